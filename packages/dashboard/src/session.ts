/** The admin token lives in this tab's sessionStorage only: never a cookie, gone when the tab closes. */
const KEY = 'ballast.token';

export const session = {
  token: (): string | null => sessionStorage.getItem(KEY),
  save: (token: string): void => sessionStorage.setItem(KEY, token),
  clear: (): void => sessionStorage.removeItem(KEY),
};

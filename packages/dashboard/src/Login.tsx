import { useState } from 'preact/hooks';

/** Asks for the admin token once; the parent checks it with `GET /whoami`. */
export function Login({ message, onSubmit }: { message: string; onSubmit: (token: string) => Promise<void> }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (token.trim() === '') return;
    setBusy(true);
    await onSubmit(token.trim());
    setBusy(false);
  };
  return (
    <main class="login">
      <h1>Ballast</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input
          id="token"
          type="password"
          autocomplete="off"
          value={token}
          onInput={(e) => setToken((e.currentTarget as HTMLInputElement).value)}
          aria-describedby="login-help login-error"
          required
        />
        <p id="login-help" class="help">Kept in this tab only (sessionStorage) and sent as a Bearer header.</p>
        <p id="login-error" class="error" role="alert">
          {message}
        </p>
        <button type="submit" disabled={busy}>
          Open dashboard
        </button>
      </form>
    </main>
  );
}

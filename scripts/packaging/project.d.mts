export declare const root: string;
export declare function publishedPackages(): { dir: string; manifest: { name: string; version: string } }[];
export declare function packAll(dest: string): Record<string, string>;
export declare function installProject(options: {
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
  tarballs: Record<string, string>;
  prefix?: string;
}): string;

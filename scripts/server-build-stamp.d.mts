/** Types of server-build-stamp.mjs (plain JavaScript so `npm start` can run it before any TypeScript loader). */
export declare const ROOT: string;
export declare const SERVER_OUT_DIR: string;
export declare const SERVER_ENTRY: string;
export declare const SERVER_STAMP: string;
export declare function serverSourceFiles(): Promise<string[]>;
export declare function serverSourceHash(): Promise<string>;
export declare function serverBuildState(): Promise<"current" | "missing" | "stale">;

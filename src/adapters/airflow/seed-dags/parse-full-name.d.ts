/** Types for parse-full-name (the package ships none); only what Baton uses. */
declare module "parse-full-name" {
  export interface ParsedFullName {
    title: string;
    first: string;
    middle: string;
    last: string;
    nick: string;
    suffix: string;
    error: string[];
  }
  /** `partToReturn` "all", `fixCase` -1 (as given), `stopOnError` 0, `useLongLists` 0: the package's defaults. */
  export function parseFullName(name: string, partToReturn?: "all", fixCase?: -1 | 0 | 1, stopOnError?: 0 | 1, useLongLists?: 0 | 1): ParsedFullName;
}

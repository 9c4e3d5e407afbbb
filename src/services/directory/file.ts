/** A directory read from a JSON file (`BATON_DIRECTORY_FILE`), checked before use. */
import { readFile } from "node:fs/promises";
import { type ContactDirectory, createInMemoryDirectory, parseDirectoryData } from "./directory.ts";

export async function loadDirectoryFile(path: string): Promise<ContactDirectory> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(`BATON_DIRECTORY_FILE ${path} cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`BATON_DIRECTORY_FILE ${path} is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return createInMemoryDirectory(parseDirectoryData(data, `directory file ${path} (BATON_DIRECTORY_FILE)`));
}

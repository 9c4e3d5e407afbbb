/**
 * The data source the enricher and reverse-email look things up in, behind a
 * port; the default is the bundled sample (sample-directory.json), or a file of
 * the same shape (`BATON_DIRECTORY_FILE`).
 */
import * as v from "valibot";
import { parseOrThrow } from "../../domain/definitions/validate.ts";
import sample from "./sample-directory.json" with { type: "json" };

const text = v.pipe(v.string(), v.trim(), v.nonEmpty());

export const CompanySchema = v.looseObject({
  domain: v.pipe(text, v.toLowerCase()),
  name: text,
  industry: v.optional(v.string()),
  employees: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
  country: v.optional(v.string()),
  city: v.optional(v.string()),
  founded: v.optional(v.pipe(v.number(), v.integer())),
});

export const PersonSchema = v.looseObject({
  email: v.pipe(text, v.toLowerCase(), v.email()),
  name: text,
  title: v.optional(v.string()),
  phone: v.optional(v.string()),
  city: v.optional(v.string()),
  country: v.optional(v.string()),
  linkedin: v.optional(v.string()),
});

export const DirectoryDataSchema = v.object({ companies: v.array(CompanySchema), people: v.array(PersonSchema) });

export type Company = v.InferOutput<typeof CompanySchema>;
export type Person = v.InferOutput<typeof PersonSchema>;
export type DirectoryData = v.InferOutput<typeof DirectoryDataSchema>;

/** Lookups by key, case-insensitive. */
export interface ContactDirectory {
  personByEmail(email: string): Promise<Person | undefined>;
  companyByDomain(domain: string): Promise<Company | undefined>;
}

/** Checks directory data, or throws a ValidationError naming the field (`people[2].email`) and what it expects; `source` names the file. */
export function parseDirectoryData(data: unknown, source: string): DirectoryData {
  return parseOrThrow(DirectoryDataSchema, data, source);
}

/** A directory held in memory, from `data` (the bundled sample by default). */
export function createInMemoryDirectory(data: DirectoryData = parseDirectoryData(sample, "the bundled sample directory")): ContactDirectory {
  const people = new Map(data.people.map((person) => [person.email, person]));
  const companies = new Map(data.companies.map((company) => [company.domain, company]));
  return {
    personByEmail: async (email) => people.get(email.trim().toLowerCase()),
    companyByDomain: async (domain) => companies.get(domain.trim().toLowerCase()),
  };
}

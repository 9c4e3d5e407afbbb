/**
 * One number through libphonenumber's rules (libphonenumber-js with its "max"
 * metadata, the one that knows line types): format, country and calling code,
 * line type.
 */
import { type CountryCode, ParseError, parsePhoneNumberWithError, validatePhoneNumberLength } from "libphonenumber-js/max";

export interface PhoneValidation {
  phone: string;
  valid: boolean;
  /** Possible by length for its country, though perhaps not an assigned range. */
  possible: boolean;
  e164?: string;
  international?: string;
  national?: string;
  /** ISO 3166-1 alpha-2, when the number belongs to one country. */
  country?: string;
  country_calling_code?: string;
  /** libphonenumber's type in lower case (`mobile`, `fixed_line`, `fixed_line_or_mobile`, `toll_free`, `voip`, ...), `unknown` when it cannot tell. */
  line_type?: string;
  reason?: string;
}

/** libphonenumber-js's parse and length errors, in words. */
const REASONS: Record<string, string> = {
  INVALID_COUNTRY: "no country: give the number in international format (+<country code>...) or a default country",
  NOT_A_NUMBER: "not a phone number",
  TOO_SHORT: "too short",
  TOO_LONG: "too long",
  INVALID_LENGTH: "a length no number of its country has",
};

export function validatePhone(phone: string, defaultCountry: CountryCode | undefined): PhoneValidation {
  let parsed;
  try {
    parsed = parsePhoneNumberWithError(phone, defaultCountry ? { defaultCountry } : {});
  } catch (error) {
    if (error instanceof ParseError) return { phone, valid: false, possible: false, reason: REASONS[error.message] ?? error.message };
    throw error;
  }
  const valid = parsed.isValid();
  const lengthProblem = validatePhoneNumberLength(phone, defaultCountry ? { defaultCountry } : {});
  return {
    phone,
    valid,
    possible: parsed.isPossible(),
    e164: parsed.number,
    international: parsed.formatInternational(),
    national: parsed.formatNational(),
    ...(parsed.country ? { country: parsed.country } : {}),
    country_calling_code: parsed.countryCallingCode,
    line_type: (parsed.getType() ?? "unknown").toLowerCase(),
    ...(valid ? {} : { reason: lengthProblem ? `the number is ${REASONS[lengthProblem] ?? lengthProblem}` : "the number is not in a range its country assigns" }),
  };
}

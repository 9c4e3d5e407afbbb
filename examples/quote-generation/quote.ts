/** The business rules of the quote: pure functions over a thread and the price list. */

export interface Message {
  from: string;
  date: string;
  body: string;
}

export interface Thread {
  id: string;
  subject: string;
  customer: { name: string; email: string };
  messages: Message[];
}

export interface Product {
  sku: string;
  name: string;
  aliases: string[];
  unitPrice: number;
}

export interface PriceList {
  currency: string;
  taxRate: number;
  discounts: { minSubtotal: number; rate: number; label: string }[];
  products: Product[];
}

export interface RequestedItem {
  sku: string;
  quantity: number;
}

export interface Line {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
  amount: number;
}

export interface Totals {
  lines: Line[];
  subtotal: number;
  discount: number;
  discountLabel: string | null;
  taxRate: number;
  tax: number;
  total: number;
  currency: string;
}

const cents = (value: number) => Math.round(value * 100) / 100;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** What the thread fails to have, field by field (empty when it can be quoted). */
export function threadProblems(thread: Partial<Thread> | null | undefined): string[] {
  if (!thread || typeof thread !== "object") return ["thread: expected an object"];
  const problems: string[] = [];
  if (typeof thread.id !== "string" || thread.id === "") problems.push("id: expected a non-empty string");
  if (typeof thread.subject !== "string" || thread.subject.trim() === "") problems.push("subject: expected a non-empty string");
  if (!thread.customer?.email) problems.push("customer.email: expected an address");
  if (!Array.isArray(thread.messages) || thread.messages.length === 0) problems.push("messages: expected at least one message");
  else {
    thread.messages.forEach((m, i) => {
      if (!m?.from) problems.push(`messages[${i}].from: expected a sender`);
      if (typeof m?.body !== "string" || m.body.trim() === "") problems.push(`messages[${i}].body: expected text`);
    });
  }
  return problems;
}

/**
 * The quantities asked for, by SKU: every "<number> <alias>" in the messages,
 * oldest first, so a later mention ("make that 40 ...") overrides an earlier one.
 */
export function extractProducts(messages: Message[], prices: PriceList): RequestedItem[] {
  const found = new Map<string, number>();
  const ordered = [...messages].sort((a, b) => a.date.localeCompare(b.date));
  for (const message of ordered) {
    const mentions: { at: number; sku: string; quantity: number }[] = [];
    for (const product of prices.products) {
      // Longest alias first, so "widget pro licences" wins over "widget pro" at the same place.
      const aliases = [...product.aliases].sort((a, b) => b.length - a.length).map(escape).join("|");
      const pattern = new RegExp(`\\b(\\d+)\\s+(?:x\\s+)?(?:${aliases})\\b`, "gi");
      for (const match of message.body.matchAll(pattern)) mentions.push({ at: match.index ?? 0, sku: product.sku, quantity: Number(match[1]) });
    }
    mentions.sort((a, b) => a.at - b.at).forEach((m) => found.set(m.sku, m.quantity));
  }
  return prices.products.filter((p) => found.has(p.sku)).map((p) => ({ sku: p.sku, quantity: found.get(p.sku)! }));
}

/** The priced lines for the requested items (an unknown SKU is an error naming it). */
export function priceItems(items: RequestedItem[], prices: PriceList): Line[] {
  return items.map((item) => {
    const product = prices.products.find((p) => p.sku === item.sku);
    if (!product) throw new Error(`items: SKU ${item.sku} is not on the price list`);
    return { sku: product.sku, name: product.name, quantity: item.quantity, unitPrice: product.unitPrice, amount: cents(product.unitPrice * item.quantity) };
  });
}

/** Subtotal, the largest volume discount that applies, tax on the discounted amount, total; in cents. */
export function calculateTotals(lines: Line[], prices: Pick<PriceList, "currency" | "taxRate" | "discounts">): Totals {
  const subtotal = cents(lines.reduce((sum, line) => sum + line.amount, 0));
  const rule = [...prices.discounts].sort((a, b) => b.minSubtotal - a.minSubtotal).find((d) => subtotal >= d.minSubtotal);
  const discount = rule ? cents(subtotal * rule.rate) : 0;
  const tax = cents((subtotal - discount) * prices.taxRate);
  return { lines, subtotal, discount, discountLabel: rule?.label ?? null, taxRate: prices.taxRate, tax, total: cents(subtotal - discount + tax), currency: prices.currency };
}

/** `Q-<yyyymmdd>-<6 upper-case hex>`: the day the quote is made and the first hex digits of its workflow id. */
export function quoteNumber(isoDate: string, workflowId: string): string {
  const day = isoDate.slice(0, 10).replace(/-/g, "");
  const suffix = workflowId.replace(/[^0-9a-f]/gi, "").slice(0, 6).toUpperCase().padEnd(6, "0");
  return `Q-${day}-${suffix}`;
}

/** Money as the quote prints it: `USD 9,563.89`. */
export function money(amount: number, currency: string): string {
  return `${currency} ${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

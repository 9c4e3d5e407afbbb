import { PDFDocument, StandardFonts, rgb } from "pdf-lib";
import { money, type Totals } from "./quote.ts";

/** The quote as a one-page PDF (pdf-lib, a standard font); its title is the quote number. */
export async function renderQuotePdf(quote: { number: string; date: string; customer: { name: string; email: string }; totals: Totals }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(quote.number);
  doc.setSubject(`Quote for ${quote.customer.name}`);
  doc.setCreator("Baton quote-generation example");
  const page = doc.addPage([595, 842]);
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const { currency } = quote.totals;
  let y = 790;
  const line = (text: string, options: { x?: number; size?: number; strong?: boolean } = {}) => {
    page.drawText(text, { x: options.x ?? 50, y, size: options.size ?? 11, font: options.strong ? bold : font, color: rgb(0.1, 0.1, 0.1) });
  };
  line(`Quote ${quote.number}`, { size: 20, strong: true });
  y -= 28;
  line(`Date: ${quote.date.slice(0, 10)}`);
  y -= 16;
  line(`Customer: ${quote.customer.name} <${quote.customer.email}>`);
  y -= 32;
  line("Item", { strong: true });
  line("Qty", { x: 330, strong: true });
  line("Unit", { x: 380, strong: true });
  line("Amount", { x: 470, strong: true });
  for (const item of quote.totals.lines) {
    y -= 18;
    line(`${item.name} (${item.sku})`);
    line(String(item.quantity), { x: 330 });
    line(money(item.unitPrice, currency), { x: 380 });
    line(money(item.amount, currency), { x: 470 });
  }
  y -= 32;
  line(`Subtotal: ${money(quote.totals.subtotal, currency)}`, { x: 330 });
  if (quote.totals.discount > 0) {
    y -= 16;
    line(`Discount (${quote.totals.discountLabel}): -${money(quote.totals.discount, currency)}`, { x: 250 });
  }
  y -= 16;
  line(`Tax (${(quote.totals.taxRate * 100).toFixed(2)}%): ${money(quote.totals.tax, currency)}`, { x: 330 });
  y -= 22;
  line(`Total: ${money(quote.totals.total, currency)}`, { x: 330, size: 14, strong: true });
  return doc.save();
}

/**
 * Email summarisation and quote generation as Baton definitions: the
 * summarisation workflow on its own, and the quote workflow that runs it as a
 * SUB_WORKFLOW, prices what the customer asked for and renders the PDF; when
 * the quote workflow fails, its failureWorkflow `handle_error` reports it.
 */

const def = (name: string, description: string) => ({
  name,
  description,
  retryCount: 0,
  timeoutSeconds: 120,
  responseTimeoutSeconds: 60,
  totalTimeoutSeconds: 0,
  timeoutPolicy: "TIME_OUT_WF",
  ownerEmail: "examples@baton.local",
});

export const taskDefs = [
  def("email_fetch_thread", "Fetches an email thread by id"),
  def("email_validate_thread", "Checks the thread can be summarised (terminal failure naming each problem)"),
  def("email_extract_messages", "The thread's messages, oldest first"),
  def("email_summarise", "Summarises the messages (the summariser port)"),
  def("email_store_summary", "Stores the summary"),
  def("quote_extract_products", "Products and quantities asked for in the messages"),
  def("quote_fetch_pricing", "The price list entries for those products"),
  def("quote_calculate_totals", "Lines, subtotal, discount, tax and total"),
  def("quote_generate", "Numbers the quote"),
  def("quote_render_pdf", "Renders the quote as a PDF"),
  def("quote_notify", "Tells the customer the quote is ready"),
  def("quote_handle_error", "Reports a failed quote"),
];

const simple = (name: string, ref: string, inputParameters: Record<string, unknown>) => ({ name, taskReferenceName: ref, type: "SIMPLE", inputParameters });

export const summarisationWorkflow = {
  name: "email_summarisation",
  description: "Fetch an email thread, validate it, extract its messages, summarise and store the summary",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  inputParameters: ["thread_id"],
  tasks: [
    simple("email_fetch_thread", "fetch", { thread_id: "${workflow.input.thread_id}" }),
    simple("email_validate_thread", "validate", { thread: "${fetch.output.thread}" }),
    simple("email_extract_messages", "extract", { thread: "${fetch.output.thread}" }),
    simple("email_summarise", "summarise", { subject: "${extract.output.subject}", messages: "${extract.output.messages}" }),
    simple("email_store_summary", "store", { thread_id: "${workflow.input.thread_id}", summary: "${summarise.output.summary}", model: "${summarise.output.model}" }),
  ],
  outputParameters: {
    thread_id: "${workflow.input.thread_id}",
    subject: "${extract.output.subject}",
    messages: "${extract.output.messages}",
    summary: "${summarise.output.summary}",
    stored_at: "${store.output.location}",
  },
};

export const quoteWorkflow = {
  name: "quote_generation",
  description: "From an email thread to a priced quote and its PDF",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  inputParameters: ["thread_id"],
  failureWorkflow: "handle_error",
  tasks: [
    simple("email_fetch_thread", "fetch", { thread_id: "${workflow.input.thread_id}" }),
    { name: "email_summarisation", taskReferenceName: "summarise", type: "SUB_WORKFLOW", subWorkflowParam: { name: "email_summarisation", version: 1 }, inputParameters: { thread_id: "${workflow.input.thread_id}" } },
    simple("quote_extract_products", "extract_products", { messages: "${summarise.output.messages}" }),
    simple("quote_fetch_pricing", "fetch_pricing", { items: "${extract_products.output.items}" }),
    simple("quote_calculate_totals", "calculate_totals", { items: "${extract_products.output.items}", pricing: "${fetch_pricing.output.pricing}" }),
    simple("quote_generate", "generate_quote", {
      workflow_id: "${workflow.workflowId}",
      thread_id: "${workflow.input.thread_id}",
      customer: "${fetch.output.thread.customer}",
      summary: "${summarise.output.summary}",
      totals: "${calculate_totals.output.totals}",
    }),
    simple("quote_render_pdf", "generate_pdf", { quote: "${generate_quote.output.quote}" }),
    simple("quote_notify", "notify", { quote: "${generate_quote.output.quote}", pdf: "${generate_pdf.output.location}" }),
  ],
  outputParameters: {
    quote_number: "${generate_quote.output.quote.number}",
    total: "${calculate_totals.output.totals.total}",
    currency: "${calculate_totals.output.totals.currency}",
    pdf: "${generate_pdf.output.location}",
    notified: "${notify.output.to}",
  },
};

export const handleErrorWorkflow = {
  name: "handle_error",
  description: "Reports a failed quote_generation to the sales team",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  tasks: [
    simple("quote_handle_error", "report", {
      failed_workflow_id: "${workflow.input.workflowId}",
      thread_id: "${workflow.input.thread_id}",
      reason: "${workflow.input.reason}",
    }),
  ],
  outputParameters: { reported: "${report.output.reported}" },
};

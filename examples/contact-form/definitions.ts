/**
 * The contact-form pipeline as Baton definitions. `POST /api/contact` (the
 * compatibility route, BATON_CONTACT_API_PREFIX) publishes ContactFormSubmitted
 * on SUBMITTED_TOPIC; the event handler starts two workflows from it, in
 * parallel: the mailer (render, send, publish EmailDispatched) and the lead
 * workflow (tag, assign an owner, create the CRM lead, publish
 * WorkflowCompleted). When the lead workflow fails, its failureWorkflow undoes
 * the steps that had completed, latest first.
 */

export const SUBMITTED_TOPIC = "contact-form-submitted";
export const EVENTS_TOPIC = "contact-events";

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
  def("contact_render_email", "Renders the confirmation email (Mustache, HTML and text)"),
  def("contact_send_email", "Sends an email through the SMTP port"),
  def("lead_tag", "Tags the lead"),
  def("lead_assign_owner", "Assigns a sales owner"),
  def("lead_create_crm", "Creates the lead in the CRM"),
  def("lead_remove_tags", "Compensation: removes the lead's tags"),
  def("lead_release_owner", "Compensation: releases the owner assignment"),
];

const publish = (ref: string, eventType: string, data: Record<string, unknown>) => ({
  name: ref,
  taskReferenceName: ref,
  type: "KAFKA_PUBLISH",
  inputParameters: {
    kafka_request: {
      topic: EVENTS_TOPIC,
      key: "${workflow.input.submission_id}",
      value: { eventType, submission_id: "${workflow.input.submission_id}", workflowId: "${workflow.workflowId}", ...data },
    },
  },
});

const FORM = ["submission_id", "name", "email", "company", "message", "submitted_at"];

export const mailerWorkflow = {
  name: "contact_mailer",
  description: "Sends the contact form's confirmation email",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  inputParameters: FORM,
  tasks: [
    {
      name: "contact_render_email",
      taskReferenceName: "render",
      type: "SIMPLE",
      inputParameters: { name: "${workflow.input.name}", company: "${workflow.input.company}", message: "${workflow.input.message}", submission_id: "${workflow.input.submission_id}" },
    },
    {
      name: "contact_send_email",
      taskReferenceName: "send",
      type: "SIMPLE",
      inputParameters: { to: "${workflow.input.email}", subject: "${render.output.subject}", html: "${render.output.html}", text: "${render.output.text}" },
    },
    publish("email_dispatched", "EmailDispatched", { messageId: "${send.output.messageId}", to: "${workflow.input.email}" }),
  ],
  outputParameters: { messageId: "${send.output.messageId}" },
};

export const leadWorkflow = {
  name: "contact_lead",
  description: "Turns a contact form into a CRM lead: tag, assign an owner, create",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  inputParameters: FORM,
  failureWorkflow: "contact_lead_compensation",
  tasks: [
    {
      name: "lead_tag",
      taskReferenceName: "tag",
      type: "SIMPLE",
      inputParameters: { submission_id: "${workflow.input.submission_id}", company: "${workflow.input.company}", message: "${workflow.input.message}" },
    },
    { name: "lead_assign_owner", taskReferenceName: "assign_owner", type: "SIMPLE", inputParameters: { submission_id: "${workflow.input.submission_id}", tags: "${tag.output.tags}" } },
    {
      name: "lead_create_crm",
      taskReferenceName: "create_crm",
      type: "SIMPLE",
      inputParameters: { submission_id: "${workflow.input.submission_id}", email: "${workflow.input.email}", name: "${workflow.input.name}", owner: "${assign_owner.output.owner}" },
    },
    publish("lead_completed", "WorkflowCompleted", { workflow: "contact_lead", leadId: "${create_crm.output.leadId}", owner: "${assign_owner.output.owner}" }),
  ],
  outputParameters: { leadId: "${create_crm.output.leadId}", owner: "${assign_owner.output.owner}", tags: "${tag.output.tags}" },
};

/** Which steps of the failed lead workflow completed, so only those are undone. */
const PLAN_UNDO = `(function () {
  var tasks = ($.failed && $.failed.tasks) || [];
  var done = function (ref) { return tasks.some(function (t) { return t.referenceTaskName === ref && t.status === "COMPLETED"; }) ? "yes" : "no"; };
  return { release_owner: done("assign_owner"), remove_tags: done("tag") };
})()`;

export const compensationWorkflow = {
  name: "contact_lead_compensation",
  description: "Undoes the completed steps of a failed contact_lead, latest first",
  version: 1,
  schemaVersion: 2,
  ownerEmail: "examples@baton.local",
  tasks: [
    {
      name: "plan_undo",
      taskReferenceName: "plan_undo",
      type: "INLINE",
      inputParameters: { evaluatorType: "javascript", expression: PLAN_UNDO, failed: "${workflow.input.failedWorkflow}" },
    },
    {
      name: "undo_assign",
      taskReferenceName: "undo_assign",
      type: "SWITCH",
      evaluatorType: "value-param",
      expression: "decision",
      inputParameters: { decision: "${plan_undo.output.result.release_owner}" },
      decisionCases: { yes: [{ name: "lead_release_owner", taskReferenceName: "release_owner", type: "SIMPLE", inputParameters: { submission_id: "${workflow.input.submission_id}" } }] },
      defaultCase: [],
    },
    {
      name: "undo_tag",
      taskReferenceName: "undo_tag",
      type: "SWITCH",
      evaluatorType: "value-param",
      expression: "decision",
      inputParameters: { decision: "${plan_undo.output.result.remove_tags}" },
      decisionCases: { yes: [{ name: "lead_remove_tags", taskReferenceName: "remove_tags", type: "SIMPLE", inputParameters: { submission_id: "${workflow.input.submission_id}" } }] },
      defaultCase: [],
    },
    publish("lead_compensated", "WorkflowCompensated", { workflow: "contact_lead", failedWorkflowId: "${workflow.input.workflowId}", reason: "${workflow.input.reason}" }),
  ],
};

/** Starts both workflows, in parallel, for each ContactFormSubmitted. */
export function submittedHandler(topic = SUBMITTED_TOPIC) {
  const input = Object.fromEntries(FORM.map((field) => [field, `\${${field}}`]));
  const start = (name: string) => ({ action: "start_workflow", start_workflow: { name, version: 1, correlationId: "${submission_id}", input } });
  return {
    name: "contact_form_submitted",
    event: `kafka:${topic}`,
    condition: "$.eventType == 'ContactFormSubmitted'",
    evaluatorType: "javascript",
    active: true,
    actions: [start("contact_mailer"), start("contact_lead")],
  };
}

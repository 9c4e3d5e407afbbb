/** A lead as the mock CRM holds it. */
export interface CrmLead {
  leadId: string;
  submissionId: string;
  email: string;
  owner: string;
  tags: string[];
}

/**
 * The mock CRM the lead workflow talks to: tags and owner assignments per
 * submission, and leads. `failCreate` makes lead creation fail (to show the
 * compensation); every change is also kept in `log`, in order.
 */
export function createMockCrm(options: { failCreate?: boolean; owners?: string[] } = {}) {
  const tags = new Map<string, string[]>();
  const owners = new Map<string, string>();
  const leads = new Map<string, CrmLead>();
  const log: string[] = [];
  const pool = options.owners ?? ["alice@sales.example", "bob@sales.example"];
  let next = 0;
  return {
    tags,
    owners,
    leads,
    log,
    failCreate: options.failCreate ?? false,
    tag(submissionId: string, list: string[]) {
      tags.set(submissionId, list);
      log.push(`tag ${submissionId} ${list.join(",")}`);
      return list;
    },
    untag(submissionId: string) {
      tags.delete(submissionId);
      log.push(`untag ${submissionId}`);
    },
    assign(submissionId: string) {
      const owner = owners.get(submissionId) ?? pool[next++ % pool.length]!;
      owners.set(submissionId, owner);
      log.push(`assign ${submissionId} ${owner}`);
      return owner;
    },
    unassign(submissionId: string) {
      owners.delete(submissionId);
      log.push(`unassign ${submissionId}`);
    },
    createLead(submissionId: string, email: string): CrmLead {
      if (this.failCreate) {
        log.push(`create ${submissionId} refused`);
        throw new Error("CRM unavailable: 503 from /leads");
      }
      const lead = { leadId: `L-${leads.size + 1}`, submissionId, email, owner: owners.get(submissionId) ?? "", tags: tags.get(submissionId) ?? [] };
      leads.set(lead.leadId, lead);
      log.push(`create ${submissionId} ${lead.leadId}`);
      return lead;
    },
  };
}

export type MockCrm = ReturnType<typeof createMockCrm>;

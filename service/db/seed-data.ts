/**
 * The demo data set: plans, organizations, API keys (plain text here because they are demo keys, published
 * in the README; real keys are only ever stored as digests), users, payments, tickets and documents. The
 * traffic generator and the tests import the same constants.
 */
import { Rng } from "../random";

export interface SeedPlan {
  readonly id: string;
  readonly ratePerMinute: number;
  readonly monthlyQuota: number;
}

export interface SeedOrganization {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
}

export interface SeedApiKey {
  readonly id: string;
  readonly organizationId: string;
  readonly key: string;
  readonly label: string;
  readonly revoked: boolean;
  readonly ratePerMinute?: number;
}

export const SEED_PLANS: readonly SeedPlan[] = [
  { id: "free", ratePerMinute: 10, monthlyQuota: 1_000 },
  { id: "trial", ratePerMinute: 30, monthlyQuota: 50 },
  { id: "pro", ratePerMinute: 120, monthlyQuota: 100_000 },
  { id: "enterprise", ratePerMinute: 1_200, monthlyQuota: 10_000_000 },
];

export const SEED_ORGANIZATIONS: readonly SeedOrganization[] = [
  { id: "org_acme", name: "Acme Corp", plan: "enterprise" },
  { id: "org_globex", name: "Globex", plan: "pro" },
  { id: "org_initech", name: "Initech", plan: "free" },
  { id: "org_umbrella", name: "Umbrella", plan: "trial" },
];

export const SEED_API_KEYS: readonly SeedApiKey[] = [
  {
    id: "key_acme_prod",
    organizationId: "org_acme",
    key: "pk_demo_acme_prod_7f3c9a1e5b2d4f60",
    label: "production",
    revoked: false,
  },
  {
    id: "key_acme_batch",
    organizationId: "org_acme",
    key: "pk_demo_acme_batch_0c8e2b7d9a4f1e35",
    label: "batch jobs",
    revoked: false,
    ratePerMinute: 30,
  },
  {
    id: "key_globex_app",
    organizationId: "org_globex",
    key: "pk_demo_globex_app_5d1a7c3e9b2f8046",
    label: "mobile app",
    revoked: false,
  },
  {
    id: "key_globex_old",
    organizationId: "org_globex",
    key: "pk_demo_globex_old_e4b9f2a6c1d83057",
    label: "leaked, revoked",
    revoked: true,
  },
  {
    id: "key_initech_dev",
    organizationId: "org_initech",
    key: "pk_demo_initech_dev_9a3f5e1c7b2d6048",
    label: "developer",
    revoked: false,
  },
  {
    id: "key_umbrella_trial",
    organizationId: "org_umbrella",
    key: "pk_demo_umbrella_trial_2b6d8f0a4c1e9357",
    label: "trial",
    revoked: false,
  },
];

export interface SeedUser {
  readonly id: string;
  readonly organizationId: string;
  readonly displayName: string;
}

const FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Linus", "Radia", "Donald"];
const LAST = [
  "Lovelace",
  "Hopper",
  "Turing",
  "Dijkstra",
  "Liskov",
  "Thompson",
  "Hamilton",
  "Torvalds",
  "Perlman",
  "Knuth",
];

/** 15 users per organization: user_<org>_01 .. user_<org>_15. */
export const SEED_USERS: readonly SeedUser[] = SEED_ORGANIZATIONS.flatMap((org, o) =>
  Array.from({ length: 15 }, (_, i) => ({
    id: `user_${org.id.slice(4)}_${String(i + 1).padStart(2, "0")}`,
    organizationId: org.id,
    displayName: `${FIRST[(i + o) % FIRST.length]} ${LAST[(i * 3 + o) % LAST.length]}`,
  })),
);

export function usersOf(organizationId: string): readonly SeedUser[] {
  return SEED_USERS.filter((u) => u.organizationId === organizationId);
}

export interface SeedPayment {
  readonly userId: string;
  readonly amountCents: number;
  readonly status: "settled" | "pending" | "refunded" | "failed";
  readonly merchant: string;
  /** Days before the seed's reference date. */
  readonly daysAgo: number;
}

const MERCHANTS = [
  "Cloud Hosting",
  "Coffee Roasters",
  "Book Store",
  "Airline",
  "Grocery",
  "Music Stream",
  "Hardware Shop",
];

export function seedPayments(seed = 7): SeedPayment[] {
  const rng = new Rng(seed);
  const out: SeedPayment[] = [];
  for (const user of SEED_USERS) {
    const n = rng.int(4, 12);
    for (let i = 0; i < n; i++) {
      const roll = rng.next();
      out.push({
        userId: user.id,
        amountCents: rng.int(199, 250_000),
        status: roll < 0.75 ? "settled" : roll < 0.88 ? "pending" : roll < 0.96 ? "refunded" : "failed",
        merchant: rng.pick(MERCHANTS),
        daysAgo: rng.int(0, 120),
      });
    }
  }
  return out;
}

export const SEED_DOCUMENTS: readonly { title: string; body: string }[] = [
  {
    title: "Refund policy",
    body: "Refunds are issued to the original payment method within 5 business days of approval. Partial refunds are possible for annual plans.",
  },
  {
    title: "API rate limits",
    body: "Every API key has a per-minute rate limit set by the organization's plan. Requests over the limit receive HTTP 429 with a Retry-After header.",
  },
  {
    title: "Monthly quotas",
    body: "Each organization has a monthly request quota. Usage resets on the first day of each month (UTC). Upgrade the plan to raise the quota.",
  },
  {
    title: "Rotating API keys",
    body: "Create a new key, deploy it, then revoke the old key. Revoked keys stop working at once and cannot be restored.",
  },
  {
    title: "Payment methods",
    body: "We accept credit cards, SEPA direct debit and bank transfers. Invoices are issued monthly for pro and enterprise plans.",
  },
  {
    title: "Failed payments",
    body: "A failed payment is retried three times over seven days. Update the card in the billing settings to avoid interruption.",
  },
  {
    title: "Pending payments",
    body: "Bank transfers stay pending until the funds arrive, usually within two business days.",
  },
  {
    title: "Opening a support ticket",
    body: "Describe the problem, the time it happened and the request id returned by the API. Tickets are answered within one business day.",
  },
  {
    title: "Ticket priorities",
    body: "Enterprise tickets are answered within four hours. Outage reports are handled first for every plan.",
  },
  {
    title: "Data retention",
    body: "Conversation logs are kept for thirty days and then deleted. Enterprise customers can choose a shorter retention.",
  },
  {
    title: "Exporting data",
    body: "Use the export endpoint to download payments and tickets as CSV. Large exports are delivered by email.",
  },
  {
    title: "Account security",
    body: "Enable two-factor authentication and restrict API keys to the IP ranges of your servers.",
  },
  {
    title: "Search syntax",
    body: "Search matches words in titles and bodies. Use several words to narrow the results; common words are ignored.",
  },
  {
    title: "Webhooks",
    body: "Webhooks deliver payment and ticket events to your endpoint with a signature header. Failed deliveries are retried with backoff.",
  },
  {
    title: "Service status",
    body: "The status page lists incidents and maintenance windows. Subscribe to receive updates by email.",
  },
  {
    title: "Currency conversion",
    body: "Payments in foreign currencies are converted at the daily reference rate. The rate is shown on every invoice.",
  },
  {
    title: "Chargebacks",
    body: "A chargeback freezes the disputed amount until the card network decides. Provide receipts to contest it.",
  },
  {
    title: "Plan upgrades",
    body: "Upgrades take effect immediately and are prorated. Downgrades take effect at the next billing period.",
  },
];

export const SEED_TICKETS: readonly {
  userIndex: number;
  subject: string;
  status: "open" | "pending" | "resolved";
}[] = [
  { userIndex: 0, subject: "Invoice shows the wrong VAT number", status: "resolved" },
  { userIndex: 1, subject: "Refund not received", status: "open" },
  { userIndex: 2, subject: "API returns 429 too early", status: "pending" },
  { userIndex: 4, subject: "Cannot revoke an old key", status: "resolved" },
  { userIndex: 7, subject: "Webhook signature mismatch", status: "open" },
  { userIndex: 11, subject: "Export is missing tickets", status: "pending" },
];

/**
 * Where tests that can run against a real Tiledesk server find it.
 *
 * `npm run test:real` sets TILEDESK_REAL_URL (and optionally TILEDESK_REAL_WS_URL) — either to a server the
 * user points at, or to the unmodified tiledesk-server that scripts/real-server/ starts on loopback.
 * Optional TILEDESK_REAL_EMAIL / TILEDESK_REAL_PASSWORD / TILEDESK_REAL_PROJECT_ID reuse an existing account
 * (hosted servers where sign-up is restricted); without them, tests sign up a fresh user and project.
 * The conformance suite (test/conformance) always signs up its own users; docs/conformance.md lists every variable.
 */
export interface RealTarget {
  url: string;
  wsUrl: string;
  email?: string;
  password?: string;
  projectId?: string;
}

export function realTarget(): RealTarget | undefined {
  const url = process.env.TILEDESK_REAL_URL;
  if (!url) return undefined;
  const base = url.replace(/\/+$/, '');
  return {
    url: base,
    wsUrl: process.env.TILEDESK_REAL_WS_URL ?? `${base.replace(/^http/, 'ws')}/`,
    email: process.env.TILEDESK_REAL_EMAIL,
    password: process.env.TILEDESK_REAL_PASSWORD,
    projectId: process.env.TILEDESK_REAL_PROJECT_ID,
  };
}

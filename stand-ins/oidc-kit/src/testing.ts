// Test support for the OIDC stand-ins' own pages: just enough of a browser (cookies, forms, no
// redirects followed) to walk a login with plain fetch, where a real browser is not the point.

/** Just enough of a browser's cookie handling: name, value and path; no expiry, one host. */
export class CookieJar {
  readonly #cookies = new Map<string, { value: string; path: string }>();

  store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, eq).trim();
      const value = (pair as string).slice(eq + 1).trim();
      const pathAttr = attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith('path='));
      const path = pathAttr ? pathAttr.slice(5) : '/';
      const key = `${name}\x00${path}`;
      const expired = attrs.some((a) => /^expires=thu, 01 jan 1970/i.test(a.trim()));
      if (value === '' || expired) this.#cookies.delete(key);
      else this.#cookies.set(key, { value, path });
    }
  }

  header(url: string): string {
    const { pathname } = new URL(url);
    const out: string[] = [];
    for (const [key, c] of this.#cookies) {
      const matches = pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`);
      if (matches) out.push(`${key.split('\x00')[0]}=${c.value}`);
    }
    return out.join('; ');
  }
}

/** A browser-like request: sends the jar's cookies, stores the answer's, never follows redirects. */
export async function browse(
  jar: CookieJar,
  url: string,
  init: { method?: string; form?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'text/html' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  if (init.form) headers['content-type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(url, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers,
    redirect: 'manual',
    ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
  });
  jar.store(res);
  return res;
}

export function formAction(html: string, buttonText: string): string {
  const forms = html.match(/<form[^>]*action="([^"]+)"[\s\S]*?<\/form>/g) ?? [];
  const form = forms.find((f) => f.includes(buttonText));
  const m = form ? /action="([^"]+)"/.exec(form) : null;
  if (!m) throw new Error(`no form with "${buttonText}" in page`);
  return (m[1] as string).replace(/&amp;/g, '&');
}

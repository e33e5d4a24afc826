import { paramError } from './envelope';

/**
 * The parameters of one request as the server sees them: query and form body merged, the
 * first value of a repeated name kept, names matched case-insensitively (the server
 * lower-cases them before binding) while `raw` keeps them as received for the signature.
 */
export class Params {
  readonly raw: [string, string][] = [];
  private readonly byName = new Map<string, string>();

  constructor(
    sources: URLSearchParams[],
    readonly command: string,
  ) {
    for (const source of sources) {
      for (const [name, value] of source) {
        if (this.raw.some(([n]) => n === name)) continue;
        this.raw.push([name, value]);
        const lower = name.toLowerCase();
        if (!this.byName.has(lower)) this.byName.set(lower, value);
      }
    }
  }

  static fromRequest(url: URL, body: string, contentType: string | undefined): URLSearchParams[] {
    const sources = [url.searchParams];
    if (body && (!contentType || /x-www-form-urlencoded/i.test(contentType))) sources.push(new URLSearchParams(body));
    return sources;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Empty values count as absent, as the server's binder treats them. */
  str(name: string): string | undefined {
    const value = this.byName.get(name);
    return value === undefined || value === '' ? undefined : value;
  }

  required(name: string): string {
    const value = this.str(name);
    if (value === undefined) {
      throw paramError(`Unable to execute API command ${this.command.toLowerCase()} due to missing parameter ${name}`);
    }
    return value;
  }

  int(name: string): number | undefined {
    const value = this.str(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw paramError(`Unable to execute API command ${this.command.toLowerCase()} due to invalid value ${value} for parameter ${name}`);
    return Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.str(name);
    return value === undefined ? undefined : value.toLowerCase() === 'true';
  }

  list(name: string): string[] | undefined {
    const value = this.str(name);
    return value === undefined ? undefined : value.split(',').map((v) => v.trim()).filter(Boolean);
  }

  /** `name[0].key=a&name[0].value=b&name[1]…` → `[{key:'a', value:'b'}, …]` in index order. */
  map(name: string): Record<string, string>[] {
    const entries = new Map<number, Record<string, string>>();
    const pattern = new RegExp(`^${name}\\[(\\d+)\\]\\.(\\w+)$`);
    for (const [key, value] of this.byName) {
      const m = pattern.exec(key);
      if (!m) continue;
      const index = Number(m[1]);
      const entry = entries.get(index) ?? {};
      entry[m[2]] = value;
      entries.set(index, entry);
    }
    return [...entries.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
  }
}

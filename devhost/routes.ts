// ASP.NET-style route templates as the Functions host uses them: literal segments (case-insensitive),
// {name}, {name?}, {name:constraint} and a trailing catch-all {*name}.

interface Segment {
  literal?: string;
  param?: string;
  optional?: boolean;
  catchAll?: boolean;
}

export interface RouteTemplate {
  template: string;
  segments: Segment[];
}

export function parseRoute(template: string): RouteTemplate {
  const segments = template
    .split('/')
    .filter(Boolean)
    .map((part): Segment => {
      const match = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?(\?)?\}$/.exec(part);
      if (!match) return { literal: part.toLowerCase() };
      return { param: match[2], catchAll: Boolean(match[1]), optional: Boolean(match[3]) || Boolean(match[1]) };
    });
  return { template, segments };
}

/** Route parameters when the path (below the route prefix) matches, otherwise undefined. */
export function matchRoute(route: RouteTemplate, path: string): Record<string, string> | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeSegment);
  const params: Record<string, string> = {};
  for (let i = 0; i < route.segments.length; i++) {
    const segment = route.segments[i];
    const part = parts[i];
    if (segment.catchAll) {
      if (parts.length > i) params[segment.param!] = parts.slice(i).join('/');
      return params;
    }
    if (part === undefined) {
      if (segment.optional) continue;
      return undefined;
    }
    if (segment.literal !== undefined) {
      if (part.toLowerCase() !== segment.literal) return undefined;
    } else {
      params[segment.param!] = part;
    }
  }
  return parts.length <= route.segments.length ? params : undefined;
}

/** A malformed escape (`%ZZ`, cut-off UTF-8) stays as it is, as in Kestrel, instead of failing the request. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

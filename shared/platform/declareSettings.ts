// How a feature declares its settings: each one once, with what it is for, its default, whether infra deploys it
// and the parser that turns its text into a value. settings.ts composes the groups; docs/settings.md is generated
// from the same declarations. Pure: the environment is a parameter.

export type Env = Readonly<Record<string, string | undefined>>;

/** A missing or malformed setting. The message always starts with the setting's name. */
export class SettingsError extends Error {
  override name = 'SettingsError';
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`Setting ${setting} ${problem}`);
  }
}

/** Text to a value, or a SettingsError naming the setting. */
export interface Parser<T, Absent = undefined> {
  /** How the value is written, for the settings reference. */
  readonly format: string;
  readonly parse: (value: string, name: string) => T;
  /** What the setting reads as when it is absent and has no default (undefined unless given). */
  readonly absent?: () => Absent;
}

export interface SettingDeclaration<T = unknown, Absent = unknown> {
  /** One or two short sentences, at most 140 characters. */
  readonly description: string;
  /** Used when the setting is absent or blank. */
  readonly default?: string;
  /** Set by infra/main.bicep on the deployed Function App. */
  readonly deployed: boolean;
  /** Refused unless AZURE_FUNCTIONS_ENVIRONMENT=Development (test seams and local shortcuts). */
  readonly developmentOnly?: boolean;
  readonly parser: Parser<T, Absent>;
}

type AnyDeclarations = Record<string, SettingDeclaration<any, any>>;

/** The value a declaration reads as: the parser's type, or its absent value when there is no default. */
export type SettingValue<D> =
  D extends SettingDeclaration<infer T, infer Absent> ? (D extends { default: string } ? T : T | Absent) : never;

export type SettingValues<D extends AnyDeclarations> = { -readonly [K in keyof D]: SettingValue<D[K]> };

export interface BuildContext {
  readonly env: Env;
  readonly isDevelopment: boolean;
  /** Another group's part of the settings, parsed once per load (for rules that span features). */
  of<Group extends AnyGroup>(group: Group): ReturnType<Group['build']>;
}

export interface SettingsGroup<D extends AnyDeclarations, Out> {
  /** The feature, as the settings reference heads its section. */
  readonly feature: string;
  /** Where the group is declared, for the reference. */
  readonly declaredIn: string;
  readonly settings: D;
  /** This group's part of the Settings object, with its cross-setting rules applied. */
  readonly build: (values: SettingValues<D>, context: BuildContext) => Out;
}

/** Declares a feature's settings and how they become its part of the Settings object. */
export function declareSettings<D extends AnyDeclarations, Out>(
  feature: string,
  declaredIn: string,
  settings: D,
  build: (values: SettingValues<D>, context: BuildContext) => Out,
): SettingsGroup<D, Out> {
  return { feature, declaredIn, settings, build };
}

export const isDevelopment = (env: Env): boolean => env.AZURE_FUNCTIONS_ENVIRONMENT?.trim() === 'Development';

/** One setting's value: trimmed, blank as absent, the default when absent, then parsed. */
export function readSetting<T, A>(env: Env, name: string, declaration: SettingDeclaration<T, A>): T | A | undefined {
  const raw = env[name]?.trim();
  if (raw && declaration.developmentOnly && !isDevelopment(env))
    throw new SettingsError(name, 'may be set only when AZURE_FUNCTIONS_ENVIRONMENT=Development');
  const value = raw || declaration.default;
  if (value === undefined) return declaration.parser.absent?.();
  return declaration.parser.parse(value, name);
}

/** Every setting of a group, parsed in declaration order. */
function readGroup<D extends AnyDeclarations>(env: Env, settings: D): SettingValues<D> {
  const values: Record<string, unknown> = {};
  for (const [name, declaration] of Object.entries(settings)) values[name] = readSetting(env, name, declaration);
  return values as SettingValues<D>;
}

// Composition. -------------------------------------------------------------------------------------------------

export type AnyGroup = SettingsGroup<any, any>;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

type Leaf = readonly unknown[] | ReadonlySet<unknown> | ReadonlyMap<unknown, unknown> | Date | RegExp | ((...args: never[]) => unknown);

/** A plain object's possibly-undefined properties as optional ones, all the way down, so values can be written by hand. */
export type Shaped<T> = T extends Leaf
  ? T
  : T extends object
    ? {
        [K in keyof T as undefined extends T[K] ? K : never]?: Shaped<Exclude<T[K], undefined>>;
      } & { [K in keyof T as undefined extends T[K] ? never : K]: Shaped<T[K]> } extends infer O
      ? { [K in keyof O]: O[K] }
      : never
    : T;

/** The Settings object that a list of groups composes to: each group's part, merged. */
export type Composed<Groups extends readonly AnyGroup[]> = Shaped<UnionToIntersection<ReturnType<Groups[number]['build']>>>;

/** The names the groups declare. */
export type NameOf<Groups extends readonly AnyGroup[]> = { [I in keyof Groups]: keyof Groups[I]['settings'] & string }[number];

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Merges b into a, object by object; two groups setting the same leaf is a declaration mistake. */
function merge(into: Record<string, unknown>, part: Record<string, unknown>, path: string): void {
  for (const [key, value] of Object.entries(part)) {
    const existing = into[key];
    if (isPlainObject(existing) && isPlainObject(value)) merge(existing, value, `${path}${key}.`);
    else if (key in into) throw new Error(`two settings groups set settings().${path}${key}`);
    else into[key] = isPlainObject(value) ? { ...value } : value;
  }
}

/** Parses every group against env; each group's build runs once, even when another group asks for it. */
export function composeSettings<Groups extends readonly AnyGroup[]>(groups: Groups, env: Env): Composed<Groups> {
  const built = new Map<AnyGroup, unknown>();
  const context: BuildContext = {
    env,
    isDevelopment: isDevelopment(env),
    of: <Group extends AnyGroup>(group: Group): ReturnType<Group['build']> => {
      if (!built.has(group)) built.set(group, group.build(readGroup(env, group.settings), context));
      return built.get(group) as ReturnType<Group['build']>;
    },
  };
  const settings: Record<string, unknown> = {};
  for (const group of groups) merge(settings, context.of(group) as Record<string, unknown>, '');
  return settings as Composed<Groups>;
}

/** One row of the settings index: what the tests against the sample file and Bicep, and the reference, read. */
export interface SettingSpec {
  description: string;
  default?: string;
  deployed: boolean;
  developmentOnly: boolean;
  format: string;
  /** The feature that declares it. */
  group: string;
  declaredIn: string;
}

/** Every declared setting by name; a name declared twice is a mistake caught here, at load. */
export function indexSettings<Groups extends readonly AnyGroup[]>(groups: Groups): Record<NameOf<Groups>, SettingSpec> {
  const index: Record<string, SettingSpec> = {};
  for (const group of groups) {
    for (const [name, declaration] of Object.entries(group.settings as AnyDeclarations)) {
      if (name in index) throw new Error(`setting ${name} is declared by both ${index[name].group} and ${group.feature}`);
      index[name] = {
        description: declaration.description,
        ...(declaration.default !== undefined && { default: declaration.default }),
        deployed: declaration.deployed,
        developmentOnly: declaration.developmentOnly ?? false,
        format: declaration.parser.format,
        group: group.feature,
        declaredIn: group.declaredIn,
      };
    }
  }
  const named: Record<NameOf<Groups>, SettingSpec> = index;
  return named;
}

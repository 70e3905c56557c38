// Flags that many programs declare alike, to put in a CliSpec's `flags`. The default of a
// duration lives in the program as milliseconds (what Node's timers take) and is shown in
// seconds (what a person types); a choice shows its words as `a|b|c`. Read the values with
// toMilliseconds and toChoice (args.ts).

/** A `--name SECONDS` flag whose default is `defaultMs`, shown in seconds. */
export function secondsFlag(defaultMs: number, description: string) {
  return {
    type: 'string',
    valueName: 'SECONDS',
    default: String(defaultMs / 1000),
    description,
  } as const;
}

/** A `--name a|b|c` flag, one of `choices`, `fallback` when it is not given. */
export function choiceFlag<T extends string>(
  choices: readonly T[],
  fallback: NoInfer<T>,
  description: string,
) {
  return {
    type: 'string',
    valueName: choices.join('|'),
    default: fallback as string,
    description,
  } as const;
}

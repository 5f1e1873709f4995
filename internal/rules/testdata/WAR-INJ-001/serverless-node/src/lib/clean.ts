export function clean(s: string | undefined): string {
  return String(parseInt(s ?? '0', 10));
}

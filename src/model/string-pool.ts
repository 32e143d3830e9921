/** Interned strings: each distinct string is stored once and referred to by a dense id. */
export class StringPool {
  private readonly ids = new Map<string, number>();
  readonly strings: string[] = [];

  intern(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }

  get(id: number): string {
    return id < 0 ? '' : this.strings[id];
  }

  get size(): number {
    return this.strings.length;
  }
}

// The string form of filters (RFC 4515): parsing with the same limits as the BER form, and
// formatting that escapes only what must be (`*`, `(`, `)`, `\`, NUL) so non-ASCII stays legible.

import { defaultFilterLimits, FilterError, type FilterLimits, type FilterNode } from './filter.ts';

const ATTRIBUTE_DESCRIPTION = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)(?:;[A-Za-z0-9-]+)*$/;
const OID = /^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)$/;
const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Parses an RFC 4515 filter. Lenient in two ways that ldapsearch users expect: a lone item may
 * omit its outer parentheses (`sn=Martin`), and the RFC 2254 escapes `\*`, `\(`, `\)`, `\\` are
 * accepted besides the hex form. Empty `(&)` and `(|)` are RFC 4526 absolute true and false.
 * Assertion values are UTF-8: escaped bytes that do not form valid UTF-8 become U+FFFD.
 */
export function parseFilter(text: string, limits: FilterLimits = defaultFilterLimits): FilterNode {
  if (text.length > limits.maxBytes)
    throw new FilterError('limit', `filter of ${text.length} characters exceeds the limit of ${limits.maxBytes}`);
  const trimmed = text.trim();
  const source = trimmed.startsWith('(') ? trimmed : `(${trimmed})`;
  const parser = new FilterParser(source, limits);
  const node = parser.filter(1);
  parser.end();
  return node;
}

class FilterParser {
  private pos = 0;
  private nodes = 0;
  private readonly text: string;
  private readonly limits: FilterLimits;

  constructor(text: string, limits: FilterLimits) {
    this.text = text;
    this.limits = limits;
  }

  private fail(message: string, at = this.pos): never {
    throw new FilterError('syntax', `${message} at position ${at}`, at);
  }

  private expect(char: string): void {
    if (this.text[this.pos] !== char)
      this.fail(`expected '${char}'${this.pos >= this.text.length ? ' but the filter ended' : ` but found '${this.text[this.pos]}'`}`);
    this.pos++;
  }

  private skipSpaces(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }

  end(): void {
    this.skipSpaces();
    if (this.pos !== this.text.length) this.fail('unexpected text after the filter');
  }

  filter(depth: number): FilterNode {
    if (depth > this.limits.maxDepth) throw new FilterError('limit', `filter nested deeper than ${this.limits.maxDepth} levels`, this.pos);
    if (++this.nodes > this.limits.maxNodes)
      throw new FilterError('limit', `filter has more than ${this.limits.maxNodes} elements`, this.pos);
    this.expect('(');
    const c = this.text[this.pos];
    let node: FilterNode;
    if (c === '&' || c === '|') {
      this.pos++;
      const filters: FilterNode[] = [];
      this.skipSpaces();
      while (this.text[this.pos] === '(') {
        filters.push(this.filter(depth + 1));
        this.skipSpaces();
      }
      node = { type: c === '&' ? 'and' : 'or', filters };
    } else if (c === '!') {
      this.pos++;
      this.skipSpaces();
      node = { type: 'not', filter: this.filter(depth + 1) };
      this.skipSpaces();
    } else {
      node = this.item();
    }
    this.expect(')');
    return node;
  }

  private item(): FilterNode {
    const start = this.pos;
    while (this.pos < this.text.length && /[A-Za-z0-9.;-]/.test(this.text[this.pos]!)) this.pos++;
    const attribute = this.text.slice(start, this.pos);
    if (this.text[this.pos] === ':') return this.extensible(attribute, start);
    if (!ATTRIBUTE_DESCRIPTION.test(attribute))
      this.fail(attribute === '' ? 'expected an attribute description' : `invalid attribute description '${attribute}'`, start);
    const c = this.text[this.pos];
    if (c === '=') {
      this.pos++;
      return this.equalityOrSubstrings(attribute);
    }
    if ((c === '~' || c === '>' || c === '<') && this.text[this.pos + 1] === '=') {
      this.pos += 2;
      const value = this.value(false)[0]!;
      return { type: c === '~' ? 'approxMatch' : c === '>' ? 'greaterOrEqual' : 'lessOrEqual', attribute, value };
    }
    return this.fail(c === undefined ? 'the filter ended after an attribute' : `expected '=', '~=', '>=' or '<=' but found '${c}'`);
  }

  private equalityOrSubstrings(attribute: string): FilterNode {
    const pieces = this.value(true);
    if (pieces.length === 1) return { type: 'equalityMatch', attribute, value: pieces[0]! };
    if (pieces.length === 2 && pieces[0] === '' && pieces[1] === '') return { type: 'present', attribute };
    const initial = pieces[0]!;
    const final = pieces[pieces.length - 1]!;
    // Empty inner pieces (`a**b`) constrain nothing and have no BER meaning; they are dropped.
    const any = pieces.slice(1, -1).filter((piece) => piece !== '');
    const count = any.length + (initial === '' ? 0 : 1) + (final === '' ? 0 : 1);
    if (count === 0) return { type: 'present', attribute };
    if (count > this.limits.maxSubstringPieces) {
      throw new FilterError('limit', `substrings filter on ${attribute} has more than ${this.limits.maxSubstringPieces} pieces`, this.pos);
    }
    const node: FilterNode = { type: 'substrings', attribute, any };
    if (initial !== '') node.initial = initial;
    if (final !== '') node.final = final;
    return node;
  }

  private extensible(attribute: string, start: number): FilterNode {
    if (attribute !== '' && !ATTRIBUTE_DESCRIPTION.test(attribute)) this.fail(`invalid attribute description '${attribute}'`, start);
    let dnAttributes = false;
    let matchingRule: string | undefined;
    if (/^:dn(?=:)/i.test(this.text.slice(this.pos, this.pos + 4))) {
      dnAttributes = true;
      this.pos += 3;
    }
    if (this.text[this.pos] === ':' && this.text[this.pos + 1] !== '=') {
      this.pos++;
      const ruleStart = this.pos;
      while (this.pos < this.text.length && /[A-Za-z0-9.-]/.test(this.text[this.pos]!)) this.pos++;
      matchingRule = this.text.slice(ruleStart, this.pos);
      if (!OID.test(matchingRule)) this.fail('invalid matching rule', ruleStart);
    }
    if (this.text[this.pos] !== ':' || this.text[this.pos + 1] !== '=') this.fail("expected ':=' in an extensible match");
    this.pos += 2;
    if (attribute === '' && matchingRule === undefined) this.fail('an extensible match needs an attribute or a matching rule', start);
    const value = this.value(false)[0]!;
    const node: FilterNode = { type: 'extensibleMatch', value, dnAttributes };
    if (matchingRule !== undefined) node.matchingRule = matchingRule;
    if (attribute !== '') node.attribute = attribute;
    return node;
  }

  /** Reads an assertion value up to the closing ')', split on unescaped '*' when allowed. */
  private value(starsAllowed: boolean): string[] {
    const pieces: string[] = [];
    let bytes: Buffer[] = [];
    let runStart = this.pos;
    const flushRun = (): void => {
      if (this.pos > runStart) bytes.push(Buffer.from(this.text.slice(runStart, this.pos), 'utf8'));
    };
    const finishPiece = (): void => {
      flushRun();
      pieces.push(bytes.length === 0 ? '' : bytes.length === 1 ? bytes[0]!.toString('utf8') : Buffer.concat(bytes).toString('utf8'));
      bytes = [];
    };
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('the filter ended inside a value');
      if (c === ')') break;
      if (c === '(') this.fail("unescaped '(' in a value (write \\28)");
      if (c === '*') {
        if (!starsAllowed) this.fail("unescaped '*' in a value (write \\2a)");
        finishPiece();
        this.pos++;
        runStart = this.pos;
        continue;
      }
      if (c === '\\') {
        flushRun();
        const pair = this.text.slice(this.pos + 1, this.pos + 3);
        if (HEX.test(pair)) {
          bytes.push(Buffer.of(Number.parseInt(pair, 16)));
          this.pos += 3;
        } else if ('*()\\'.includes(this.text[this.pos + 1] ?? 'x')) {
          bytes.push(Buffer.from(this.text[this.pos + 1]!, 'utf8'));
          this.pos += 2;
        } else {
          this.fail('a backslash in a value is followed by two hex digits');
        }
        runStart = this.pos;
        continue;
      }
      this.pos++;
    }
    finishPiece();
    return pieces;
  }
}

/** Escapes an assertion value for the string form (RFC 4515 §3). */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function formatFilter(node: FilterNode): string {
  switch (node.type) {
    case 'and':
      return `(&${node.filters.map(formatFilter).join('')})`;
    case 'or':
      return `(|${node.filters.map(formatFilter).join('')})`;
    case 'not':
      return `(!${formatFilter(node.filter)})`;
    case 'equalityMatch':
      return `(${node.attribute}=${escapeFilterValue(node.value)})`;
    case 'approxMatch':
      return `(${node.attribute}~=${escapeFilterValue(node.value)})`;
    case 'greaterOrEqual':
      return `(${node.attribute}>=${escapeFilterValue(node.value)})`;
    case 'lessOrEqual':
      return `(${node.attribute}<=${escapeFilterValue(node.value)})`;
    case 'present':
      return `(${node.attribute}=*)`;
    case 'substrings': {
      const middle = node.any.map((piece) => `${escapeFilterValue(piece)}*`).join('');
      return `(${node.attribute}=${escapeFilterValue(node.initial ?? '')}*${middle}${escapeFilterValue(node.final ?? '')})`;
    }
    case 'extensibleMatch':
      return `(${node.attribute ?? ''}${node.dnAttributes ? ':dn' : ''}${node.matchingRule !== undefined ? `:${node.matchingRule}` : ''}:=${escapeFilterValue(node.value)})`;
  }
}

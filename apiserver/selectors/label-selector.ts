// The `?labelSelector=` grammar, as k8s.io/apimachinery/pkg/labels.Parse (Kubernetes 1.32): the
// same lexer (longest special-symbol token, `in`/`notin` keywords that turn back into values
// inside a value context), the same recursive descent and the same error sentences.
//
//   <selector>    ::= <requirement> | <requirement> "," <selector>
//   <requirement> ::= [!] KEY [ ("in" | "notin") "(" VALUES ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]
import {
  labelKeyError,
  newRequirement,
  sortByKey,
  compareGoStrings,
  type LabelOperator,
  type LabelRequirement,
} from "./label-requirement.js";
import { SelectorError } from "./selector-error.js";

type TokenKind =
  | "end"
  | "closePar"
  | "comma"
  | "doesNotExist"
  | "doubleEquals"
  | "equals"
  | "greaterThan"
  | "identifier"
  | "in"
  | "lessThan"
  | "notEquals"
  | "notIn"
  | "openPar"
  | "error";

type Token = { kind: TokenKind; literal: string };

const literalTokens: ReadonlyMap<string, TokenKind> = new Map<string, TokenKind>([
  [")", "closePar"],
  [",", "comma"],
  ["!", "doesNotExist"],
  ["==", "doubleEquals"],
  ["=", "equals"],
  [">", "greaterThan"],
  ["in", "in"],
  ["<", "lessThan"],
  ["!=", "notEquals"],
  ["notin", "notIn"],
  ["(", "openPar"],
]);

/** In upstream's order, for the "expected: ..." sentence. */
const binaryOperators = ["in", "notin", "=", "==", "!=", "gt", "lt"];

const isWhitespace = (character: string): boolean => character === " " || character === "\t" || character === "\r" || character === "\n";
const isSpecialSymbol = (character: string): boolean => "=!(),><".includes(character) && character.length === 1;

/** The lexer reads bytes until a NUL or the end, as upstream's does (a NUL ends the input). */
function scan(text: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  const read = (): string => (position < text.length ? (text[position++] ?? "\0") : "\0");
  const unread = (): void => {
    position--;
  };
  for (;;) {
    let character = read();
    while (isWhitespace(character)) character = read();
    if (character === "\0") {
      tokens.push({ kind: "end", literal: "" });
      return tokens;
    }
    unread();
    tokens.push(isSpecialSymbol(character) ? scanSpecialSymbol() : scanIdentifierOrKeyword());
  }

  function scanIdentifierOrKeyword(): Token {
    let buffer = "";
    for (;;) {
      const character = read();
      if (character === "\0") break;
      if (isSpecialSymbol(character) || isWhitespace(character)) {
        unread();
        break;
      }
      buffer += character;
    }
    return { kind: literalTokens.get(buffer) ?? "identifier", literal: buffer };
  }

  function scanSpecialSymbol(): Token {
    let buffer = "";
    let last: Token | undefined;
    for (;;) {
      const character = read();
      if (character === "\0") break;
      if (!isSpecialSymbol(character)) {
        unread();
        break;
      }
      buffer += character;
      const kind = literalTokens.get(buffer);
      if (kind !== undefined) {
        last = { kind, literal: buffer };
      } else if (last !== undefined) {
        unread();
        break;
      }
    }
    return last ?? { kind: "error", literal: `error expected: keyword found '${buffer}'` };
  }
}

class Parser {
  private position = 0;
  constructor(private readonly tokens: Token[]) {}

  /** In a value context the keywords `in` and `notin` are plain identifiers. */
  private lookahead(valueContext: boolean): Token {
    return this.asContext(this.tokens[this.position] ?? { kind: "end", literal: "" }, valueContext);
  }

  private consume(valueContext: boolean): Token {
    const token = this.lookahead(valueContext);
    this.position++;
    return token;
  }

  private asContext(token: Token, valueContext: boolean): Token {
    if (valueContext && (token.kind === "in" || token.kind === "notIn")) return { kind: "identifier", literal: token.literal };
    return token;
  }

  parse(): LabelRequirement[] {
    const requirements: LabelRequirement[] = [];
    for (;;) {
      const token = this.lookahead(true);
      if (token.kind === "end") return requirements;
      if (token.kind !== "identifier" && token.kind !== "doesNotExist") {
        throw new SelectorError(`found '${token.literal}', expected: !, identifier, or 'end of string'`);
      }
      requirements.push(this.requirementOrThrow());
      const after = this.consume(true);
      if (after.kind === "end") return requirements;
      if (after.kind !== "comma") throw new SelectorError(`found '${after.literal}', expected: ',' or 'end of string'`);
      const next = this.lookahead(true);
      if (next.kind !== "identifier" && next.kind !== "doesNotExist") {
        throw new SelectorError(`found '${next.literal}', expected: identifier after ','`);
      }
    }
  }

  private requirementOrThrow(): LabelRequirement {
    try {
      return this.requirement();
    } catch (error) {
      if (error instanceof SelectorError) throw new SelectorError(`unable to parse requirement: ${error.message}`);
      throw error;
    }
  }

  private requirement(): LabelRequirement {
    const { key, operator: inferred } = this.keyAndInferredOperator();
    if (inferred !== undefined) return newRequirement(key, inferred, []);
    const operator = this.operator();
    const values = operator === "in" || operator === "notin" ? this.setValues() : this.exactValue();
    return newRequirement(key, operator, [...new Set(values)].sort(compareGoStrings));
  }

  private keyAndInferredOperator(): { key: string; operator: LabelOperator | undefined } {
    let operator: LabelOperator | undefined;
    let token = this.consume(true);
    if (token.kind === "doesNotExist") {
      operator = "!";
      token = this.consume(true);
    }
    if (token.kind !== "identifier") throw new SelectorError(`found '${token.literal}', expected: identifier`);
    // Upstream validates the key here with a nil field path, which prints as "<nil>".
    const keyError = labelKeyError(token.literal, "<nil>");
    if (keyError !== undefined) throw new SelectorError(keyError);
    const next = this.lookahead(true).kind;
    if ((next === "end" || next === "comma") && operator === undefined) operator = "exists";
    return { key: token.literal, operator };
  }

  private operator(): LabelOperator {
    const token = this.consume(false);
    const operators: Partial<Record<TokenKind, LabelOperator>> = {
      in: "in",
      equals: "=",
      doubleEquals: "==",
      greaterThan: "gt",
      lessThan: "lt",
      notIn: "notin",
      notEquals: "!=",
    };
    const operator = operators[token.kind];
    if (operator === undefined) throw new SelectorError(`found '${token.literal}', expected: ${binaryOperators.join(", ")}`);
    return operator;
  }

  private setValues(): string[] {
    const open = this.consume(true);
    if (open.kind !== "openPar") throw new SelectorError(`found '${open.literal}' expected: '('`);
    const first = this.lookahead(true);
    if (first.kind === "closePar") {
      this.consume(true);
      return [""];
    }
    if (first.kind !== "identifier" && first.kind !== "comma") {
      throw new SelectorError(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const values = this.identifierList();
    // Upstream names the token that opened the list here, not the one it found.
    if (this.consume(true).kind !== "closePar") throw new SelectorError(`found '${first.literal}', expected: ')'`);
    return values;
  }

  /** A possibly empty, comma separated list of possibly empty identifiers: "(,a)" holds "" and "a". */
  private identifierList(): string[] {
    const values = new Set<string>();
    for (;;) {
      const token = this.consume(true);
      if (token.kind === "identifier") {
        values.add(token.literal);
        const next = this.lookahead(true);
        if (next.kind === "comma") continue;
        if (next.kind === "closePar") return [...values];
        throw new SelectorError(`found '${next.literal}', expected: ',' or ')'`);
      }
      if (token.kind !== "comma") throw new SelectorError(`found '${token.literal}', expected: ',', or identifier`);
      if (values.size === 0) values.add("");
      const next = this.lookahead(true);
      if (next.kind === "closePar") {
        values.add("");
        return [...values];
      }
      if (next.kind === "comma") {
        this.consume(true);
        values.add("");
      }
    }
  }

  private exactValue(): string[] {
    const next = this.lookahead(true);
    if (next.kind === "end" || next.kind === "comma") return [""];
    const token = this.consume(true);
    if (token.kind === "identifier") return [token.literal];
    throw new SelectorError(`found '${token.literal}', expected: identifier`);
  }
}

/** `?labelSelector=` → requirements sorted by key; "" selects everything. Throws SelectorError. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  return sortByKey(new Parser(scan(text)).parse());
}

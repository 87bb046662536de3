"""A small JQL parser: the subset roadsync generates and people write to scope a sync.

Grammar (keywords case-insensitive)::

    query    := [or_expr] [ORDER BY sort ("," sort)*]
    or_expr  := and_expr (OR and_expr)*
    and_expr := not_expr (AND not_expr)*
    not_expr := NOT not_expr | "(" or_expr ")" | clause
    clause   := field op operand
    op       := = | != | > | >= | < | <= | IN | NOT IN | IS | IS NOT
    operand  := value | "(" value ("," value)* ")"      value := "string" | word | EMPTY | NULL
    sort     := field [ASC | DESC]

Anything outside it raises :class:`JqlError`, which the API answers with Jira's 400.
Field semantics live in :mod:`.jql_eval`.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["And", "Clause", "JqlError", "Not", "Or", "Query", "Sort", "parse_jql"]

KEYWORDS = {"and", "or", "not", "in", "is", "empty", "null", "order", "by", "asc", "desc"}
_OPERATORS = ("!=", ">=", "<=", "!~", "=", ">", "<", "~")
_STOP = set(" \t\r\n()\",'=!<>~")


class JqlError(ValueError):
    """The query cannot be parsed or names something that does not exist."""


@dataclass(frozen=True)
class Token:
    kind: str  # "word" | "string" | "op" | "(" | ")" | "," | "end"
    text: str
    pos: int

    def is_kw(self, word: str) -> bool:
        return self.kind == "word" and self.text.lower() == word


@dataclass(frozen=True)
class Clause:
    field: str  # as written (case kept); lower-cased lookups happen in evaluation
    op: str  # "=", "!=", ">", ">=", "<", "<=", "in", "not in", "is", "is not", "~", "!~"
    values: tuple[str | None, ...]  # None stands for EMPTY / NULL


@dataclass(frozen=True)
class Not:
    operand: Expr


@dataclass(frozen=True)
class And:
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Expr, ...]


Expr = Clause | Not | And | Or


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool


@dataclass(frozen=True)
class Query:
    where: Expr | None
    order_by: tuple[Sort, ...]


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "(),":
            tokens.append(Token(ch, ch, i))
            i += 1
        elif ch in "\"'":
            i = _read_string(text, i, tokens)
        elif any(text.startswith(op, i) for op in _OPERATORS):
            op = next(op for op in _OPERATORS if text.startswith(op, i))
            tokens.append(Token("op", op, i))
            i += len(op)
        else:
            start = i
            while i < len(text) and text[i] not in _STOP:
                i += 1
            tokens.append(Token("word", text[start:i], start))
    tokens.append(Token("end", "", len(text)))
    return tokens


def _read_string(text: str, start: int, tokens: list[Token]) -> int:
    quote, i, out = text[start], start + 1, []
    while i < len(text) and text[i] != quote:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise JqlError(
            f"Error in the JQL Query: The quoted string starting at character {start} is not closed."
        )
    tokens.append(Token("string", "".join(out), start))
    return i + 1


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, expected: str) -> JqlError:
        token = self.token
        got = "the end of the query" if token.kind == "end" else f"'{token.text}'"
        return JqlError(f"Error in the JQL Query: Expecting {expected} but got {got}. (char {token.pos})")

    def query(self) -> Query:
        where = None
        if not (self.token.is_kw("order") or self.token.kind == "end"):
            where = self.or_expr()
        order: list[Sort] = []
        if self.token.is_kw("order"):
            self.advance()
            if not self.token.is_kw("by"):
                raise self.fail("'by'")
            self.advance()
            order.append(self.sort())
            while self.token.kind == ",":
                self.advance()
                order.append(self.sort())
        if self.token.kind != "end":
            raise self.fail("either 'OR' or 'AND'" if where else "a field name")
        if len(order) > 7:
            raise JqlError("Error in the JQL Query: ORDER BY may name at most 7 fields.")
        return Query(where, tuple(order))

    def or_expr(self) -> Expr:
        operands = [self.and_expr()]
        while self.token.is_kw("or"):
            self.advance()
            operands.append(self.and_expr())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def and_expr(self) -> Expr:
        operands = [self.not_expr()]
        while self.token.is_kw("and"):
            self.advance()
            operands.append(self.not_expr())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def not_expr(self) -> Expr:
        if self.token.is_kw("not"):
            self.advance()
            return Not(self.not_expr())
        if self.token.kind == "(":
            self.advance()
            inner = self.or_expr()
            if self.token.kind != ")":
                raise self.fail("')'")
            self.advance()
            return inner
        return self.clause()

    def field_name(self) -> str:
        token = self.token
        if token.kind == "string" or (token.kind == "word" and token.text.lower() not in KEYWORDS):
            self.advance()
            return token.text
        raise self.fail("a field name")

    def clause(self) -> Clause:
        name = self.field_name()
        op = self.operator()
        if op in ("in", "not in"):
            return Clause(name, op, self.value_list())
        if self.token.kind == "(":
            raise self.fail("a value")
        return Clause(name, op, (self.value(),))

    def operator(self) -> str:
        token = self.token
        if token.kind == "op":
            self.advance()
            return token.text
        if token.is_kw("in"):
            self.advance()
            return "in"
        if token.is_kw("not") and self.tokens[self.index + 1].is_kw("in"):
            self.index += 2
            return "not in"
        if token.is_kw("is"):
            self.advance()
            if self.token.is_kw("not"):
                self.advance()
                return "is not"
            return "is"
        raise self.fail("an operator ('=', '!=', '<', '>', '<=', '>=', 'in', 'not in', 'is', 'is not')")

    def value(self) -> str | None:
        token = self.token
        if token.kind == "string":
            self.advance()
            return token.text
        if token.is_kw("empty") or token.is_kw("null"):
            self.advance()
            return None
        if token.kind == "word" and token.text.lower() not in KEYWORDS:
            self.advance()
            if self.token.kind == "(":
                raise JqlError(f"Error in the JQL Query: The function '{token.text}' is not supported here.")
            return token.text
        raise self.fail("a value")

    def value_list(self) -> tuple[str | None, ...]:
        if self.token.kind != "(":
            raise self.fail("'('")
        self.advance()
        values = [self.value()]
        while self.token.kind == ",":
            self.advance()
            values.append(self.value())
        if self.token.kind != ")":
            raise self.fail("')'")
        self.advance()
        return tuple(values)

    def sort(self) -> Sort:
        name = self.field_name()
        descending = False
        if self.token.is_kw("asc") or self.token.is_kw("desc"):
            descending = self.advance().text.lower() == "desc"
        return Sort(name, descending)


def parse_jql(text: str) -> Query:
    """Parse ``text`` into a :class:`Query`; raises :class:`JqlError` with Jira's message."""
    return _Parser(text or "").query()

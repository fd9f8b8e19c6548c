/**
 * The series names a PromQL expression reads, from the Prometheus project's own PromQL grammar
 * (@prometheus-io/lezer-promql). A selector must name its series exactly - by metric name or an exact
 * `__name__="..."` matcher - so that every name can be checked against the catalogue.
 */
import { parser } from "@prometheus-io/lezer-promql";

export interface SelectorNames {
  /** The distinct series names, in order of appearance. */
  readonly names: string[];
  /** Parse errors and selectors whose series cannot be named exactly. */
  readonly problems: string[];
}

export function seriesNames(expr: string): SelectorNames {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const problems: string[] = [];
  const text = (from: number, to: number): string => expr.slice(from, to);
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        const near = text(Math.max(0, node.from - 30), Math.min(node.to + 10, expr.length));
        problems.push(`parse error at offset ${node.from}, near ${JSON.stringify(near)}`);
        return false;
      }
      if (node.name !== "VectorSelector") return undefined;
      const selector = node.node;
      const identifier = selector.getChild("Identifier");
      let name = identifier ? text(identifier.from, identifier.to) : undefined;
      let patterned = false;
      const matchers = selector.getChild("LabelMatchers");
      for (const matcher of matchers
        ? [...matchers.getChildren("UnquotedLabelMatcher"), ...matchers.getChildren("QuotedLabelMatcher")]
        : []) {
        const labelNode = matcher.getChild("LabelName");
        if (!labelNode || text(labelNode.from, labelNode.to) !== "__name__") continue;
        const op = matcher.getChild("MatchOp");
        const value = matcher.getChild("StringLiteral");
        if (op && value && text(op.from, op.to) === "=")
          name = JSON.parse(text(value.from, value.to)) as string;
        else {
          patterned = true;
          problems.push(`selector ${text(selector.from, selector.to)} matches __name__ by a pattern`);
        }
      }
      if (patterned) return false;
      if (name === undefined) problems.push(`selector ${text(selector.from, selector.to)} names no series`);
      else if (!names.includes(name)) names.push(name);
      return false;
    },
  });
  return { names, problems };
}

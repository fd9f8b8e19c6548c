/** `npm run docs:catalogue`: writes docs/metrics-catalogue.md from the catalogue table. */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { renderCatalogueMarkdown } from "./markdown";

const out = path.resolve(process.argv[2] ?? "docs/metrics-catalogue.md");
writeFileSync(out, renderCatalogueMarkdown());
process.stdout.write(`wrote ${out}\n`);

// Validates every ServiceMonitor in the YAML documents on stdin against the Prometheus
// operator's schema (@kubernetes-models/prometheus-operator), which kubernetes-validate
// does not have; exits 1 naming the first invalid one. Run with NODE_PATH pointing at
// the node_modules scripts/deploy-tools.sh installed.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const modules = process.env.NODE_PATH;
const load = (file) => import(pathToFileURL(join(modules, file)).href);
const yaml = (await load("js-yaml/index.js")).default;
const { ServiceMonitor } = await load(
  "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor.js"
);

const docs = yaml.loadAll(readFileSync(0, "utf8")).filter((d) => d && d.kind === "ServiceMonitor");
if (docs.length === 0) {
  console.error("no ServiceMonitor in the input");
  process.exit(1);
}
for (const doc of docs) {
  try {
    new ServiceMonitor(doc).validate();
  } catch (e) {
    console.error(`ServiceMonitor ${doc.metadata?.name}: ${e.message}`);
    process.exit(1);
  }
  if (!doc.metadata?.labels || Object.keys(doc.metadata.labels).length === 0) {
    console.error(`ServiceMonitor ${doc.metadata?.name}: no labels, so no Prometheus selects it`);
    process.exit(1);
  }
  console.log(`ServiceMonitor ${doc.metadata.name}: valid`);
}

// Package deps is Warden's dependency analysis (OWASP Serverless Top 10
// SAS-6): it finds the lock files and manifests each function ships, puts
// their packages into the application model with the functions that ship
// them, matches exact versions against the offline OSV database
// (internal/vulndb), and reports vulnerable (WAR-DEP-001) and unpinned
// (WAR-DEP-002) dependencies.
//
// Parsing is osv-scalibr's (v0.5.3): its extractors are maintained with
// osv-scanner against real lock files of every version, report line
// numbers and dependency groups, and the same module's `semantic` package
// orders versions per ecosystem. Warden adds only what the extractors do
// not give: development-only flags for yarn, pnpm v9 and uv, workspace
// detection in package-lock files, and the attribution of lock files to
// functions (nearest lock file at or above the code path, plus layers).
//
// Reachability is read from model.Function.Code.Imports when code
// analysis has filled it; until then a cheap, clearly-labelled import scan
// of the handler file stands in. A package the handler does not import is
// reported one severity lower, never hidden.
package deps

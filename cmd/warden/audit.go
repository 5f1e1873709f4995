package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/wardensec/warden/internal/audit"
)

// The audit subcommands read the gateway's audit database. They open it
// read-only, so they are safe to run beside a live gateway (SQLite WAL lets
// readers and the one writer proceed together).
func init() {
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Verify and read the gateway's hash-chained audit log",
	}
	cmd.AddCommand(auditVerifyCmd(), auditTailCmd(), auditQueryCmd(), auditKeygenCmd())
	rootCmd.AddCommand(cmd)
}

func auditVerifyCmd() *cobra.Command {
	var db, jsonl string
	var pubkeys []string
	c := &cobra.Command{
		Use:   "verify",
		Short: "Check the hash chain and signed checkpoints; exit 1 naming the first bad record",
		Long: `verify recomputes every record's hash, checks that each record chains to
the one before it, and checks every checkpoint's head hash and (with
--pubkey) its Ed25519 signature. Edits, deletions, insertions, reordering
and truncation of the tail up to the last checkpoint are detected.

Exit codes: 0 intact, 1 tampered (the first bad record is named),
2 usage or I/O error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var keys []ed25519.PublicKey
			for _, p := range pubkeys {
				k, err := audit.LoadPublicKey(p)
				if err != nil {
					return withCode(exitError, err)
				}
				keys = append(keys, k)
			}
			var rep *audit.Report
			var err error
			if jsonl != "" {
				var f *os.File
				if jsonl == "-" {
					f = os.Stdin
				} else if f, err = os.Open(jsonl); err != nil {
					return withCode(exitError, fmt.Errorf("open %s: %w", jsonl, err))
				}
				defer f.Close()
				rep, err = audit.VerifyJSONL(f, keys...)
			} else {
				d, oerr := audit.OpenDB(db)
				if oerr != nil {
					return withCode(exitError, oerr)
				}
				defer d.Close()
				rep, err = audit.Verify(cmd.Context(), d, keys...)
			}
			out := cmd.OutOrStdout()
			var te *audit.TamperError
			if errors.As(err, &te) {
				fmt.Fprintf(out, "TAMPERED: %v\n", te)
				return withCode(exitFindings, err)
			}
			if err != nil {
				return withCode(exitError, err)
			}
			fmt.Fprintf(out, "OK: %d records, head seq %d hash %s\n", rep.Records, rep.HeadSeq, rep.HeadHash)
			switch {
			case rep.Checkpoints == 0:
				fmt.Fprintln(out, "warning: no checkpoints; a rewritten or truncated log cannot be detected")
			case !rep.KeyChecked:
				fmt.Fprintf(out, "%d checkpoints, last at seq %d; signatures NOT checked (pass --pubkey)\n", rep.Checkpoints, rep.SignedSeq)
			default:
				fmt.Fprintf(out, "%d signed checkpoints verified, last at seq %d\n", rep.Checkpoints, rep.SignedSeq)
			}
			if rep.Unsigned > 0 {
				fmt.Fprintf(out, "%d records after the last checkpoint are protected by the chain only\n", rep.Unsigned)
			}
			if rep.Segments > 1 {
				fmt.Fprintf(out, "%d chain segments (one per gateway process)\n", rep.Segments)
			}
			return nil
		},
	}
	c.Flags().StringVar(&db, "db", audit.DefaultPath, "audit database (SQLite)")
	c.Flags().StringSliceVar(&pubkeys, "pubkey", nil, "Ed25519 public key file (PEM or base64) that signs checkpoints; repeat after a key rotation")
	c.Flags().StringVar(&jsonl, "jsonl", "", "verify JSON lines from the stdout sink instead of a database (- for stdin)")
	return c
}

func auditTailCmd() *cobra.Command {
	var db, format string
	var n int
	var follow bool
	c := &cobra.Command{
		Use:   "tail",
		Short: "Print the last records, optionally following new ones",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 0 {
				return withCode(exitError, errors.New("-n must not be negative"))
			}
			emit, err := recordPrinter(cmd.OutOrStdout(), format)
			if err != nil {
				return withCode(exitError, err)
			}
			d, err := audit.OpenDB(db)
			if err != nil {
				return withCode(exitError, err)
			}
			defer d.Close()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt)
			defer stop()
			recs, err := audit.Tail(ctx, d, n)
			if err != nil {
				return withCode(exitError, err)
			}
			var last int64
			for _, r := range recs {
				emit(r)
				last = r.Seq
			}
			if !follow {
				return nil
			}
			if last == 0 {
				if tail, err := audit.Tail(ctx, d, 1); err == nil && len(tail) == 1 {
					last = tail[0].Seq
				}
			}
			t := time.NewTicker(500 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return nil
				case <-t.C:
				}
				recs, err := audit.Query(ctx, d, audit.Filter{AfterSeq: last, Limit: 1000})
				if err != nil {
					if ctx.Err() != nil {
						return nil
					}
					return withCode(exitError, err)
				}
				for _, r := range recs {
					emit(r)
					last = r.Seq
				}
			}
		},
	}
	c.Flags().StringVar(&db, "db", audit.DefaultPath, "audit database (SQLite)")
	c.Flags().IntVarP(&n, "lines", "n", 10, "number of records to print")
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new records until interrupted")
	c.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return c
}

func auditQueryCmd() *cobra.Command {
	var db, format, consumer, route, decision string
	var since time.Duration
	var limit int
	c := &cobra.Command{
		Use:   "query",
		Short: "Print records matching a consumer, route, decision and time window",
		Example: `  warden audit query --consumer alice --since 1h
  warden audit query --route orders --decision deny --since 24h --format json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if since < 0 || limit < 0 {
				return withCode(exitError, errors.New("--since and --limit must not be negative"))
			}
			switch decision {
			case "", "allow", "deny", "detect":
			default:
				return withCode(exitError, fmt.Errorf("--decision must be allow, deny or detect, not %q", decision))
			}
			emit, err := recordPrinter(cmd.OutOrStdout(), format)
			if err != nil {
				return withCode(exitError, err)
			}
			d, err := audit.OpenDB(db)
			if err != nil {
				return withCode(exitError, err)
			}
			defer d.Close()
			f := audit.Filter{Consumer: consumer, Route: route, Decision: decision, Limit: limit}
			if since > 0 {
				f.Since = time.Now().Add(-since)
			}
			recs, err := audit.Query(cmd.Context(), d, f)
			if err != nil {
				return withCode(exitError, err)
			}
			for _, r := range recs {
				emit(r)
			}
			return nil
		},
	}
	c.Flags().StringVar(&db, "db", audit.DefaultPath, "audit database (SQLite)")
	c.Flags().StringVar(&consumer, "consumer", "", "consumer name or JWT subject")
	c.Flags().StringVar(&route, "route", "", "route name")
	c.Flags().StringVar(&decision, "decision", "", "allow, deny or detect")
	c.Flags().DurationVar(&since, "since", 0, "only records newer than this (e.g. 1h, 30m)")
	c.Flags().IntVar(&limit, "limit", 0, "print at most this many records (0: all)")
	c.Flags().StringVar(&format, "format", "text", "output format: text or json")
	return c
}

func auditKeygenCmd() *cobra.Command {
	var out string
	var force bool
	c := &cobra.Command{
		Use:   "keygen",
		Short: "Create an Ed25519 key pair for signing audit checkpoints",
		Long: `keygen writes PREFIX.key (PKCS#8 PEM, mode 0600) for the gateway's
audit.signing_key_file, and PREFIX.pub (PKIX PEM) for 'warden audit verify
--pubkey'. Keep the public key away from the host that writes the log: a
verifier that reads the key from the same place as the log trusts whoever
can write there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			priv, pub, err := audit.GenerateKey()
			if err != nil {
				return withCode(exitError, err)
			}
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			if err := writeFileFlags(out+".key", priv, 0o600, flags); err != nil {
				return withCode(exitError, err)
			}
			if err := writeFileFlags(out+".pub", pub, 0o644, flags); err != nil {
				return withCode(exitError, err)
			}
			k, _ := audit.ParsePublicKey(pub)
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s.key (private, 0600) and %s.pub; key id %s\n", out, out, audit.KeyID(k))
			return nil
		},
	}
	c.Flags().StringVarP(&out, "out", "o", "audit-signing", "file name prefix for PREFIX.key and PREFIX.pub")
	c.Flags().BoolVar(&force, "force", false, "overwrite existing files")
	return c
}

func writeFileFlags(path string, data []byte, perm os.FileMode, flags int) error {
	f, err := os.OpenFile(path, flags, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// recordPrinter returns a function that prints one record in format.
func recordPrinter(w io.Writer, format string) (func(audit.Record), error) {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		return func(r audit.Record) { _ = enc.Encode(r) }, nil
	case "text", "":
		return func(r audit.Record) {
			var flags []string
			if r.Hostile {
				flags = append(flags, "HOSTILE")
			}
			fmt.Fprintf(w, "%s seq=%d id=%s route=%s consumer=%s ip=%s %s %s status=%d %s reason=%s latency=%s upstream=%s %s\n",
				r.Time.Format(time.RFC3339Nano), r.Seq, r.ID, dash(r.Route), dash(r.Consumer), dash(r.ClientIP),
				r.Method, r.Path, r.Status, r.Decision, dash(r.Reason), r.Latency, r.UpstreamLatency, strings.Join(flags, ","))
		}, nil
	}
	return nil, fmt.Errorf("--format must be text or json, not %q", format)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

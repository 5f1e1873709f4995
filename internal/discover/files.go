package discover

import (
	"context"
	"errors"
	"io/fs"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/wardensec/warden/internal/source"
)

// WalkFiles calls fn with the root-relative path of every regular file that
// Walk would look at: SkipDirs, opts.Exclude and .gitignore apply the same
// way, so analyses that read all files (the secret scanner) see exactly the
// project the template loaders see, and no dependency or build copies.
// Symbolic links are followed only when they lead to a regular file inside
// the root. Unreadable directories are passed over silently: Walk already
// reports them as diagnostics. It returns how many files the ignore rules
// skipped, and stops with fn's error if fn returns one.
func WalkFiles(ctx context.Context, root *source.Root, opts Options, fn func(p string) error) (skipped int, err error) {
	return walk(ctx, root, opts, nil, nil, fn)
}

// walk is the one walk of the project behind Walk and WalkFiles, so that
// the ignore rules cannot drift apart between the template loaders and the
// analyses that read every file. It calls fn for each regular file and
// each symbolic link to a regular file inside the root; unreadable (when
// not nil) for entries it cannot read, and badLink (when not nil) for links
// it does not follow. It returns how many files and directories the
// ignore rules skipped.
func walk(ctx context.Context, root *source.Root, opts Options, unreadable func(p string, err error), badLink func(p string), fn func(p string) error) (skipped int, err error) {
	var patterns []gitignore.Pattern
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if unreadable != nil {
				unreadable(p, err)
			}
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		parts := splitPath(p)
		if d.IsDir() {
			if p != "." && (SkipDirs[d.Name()] || excluded(p, opts.Exclude)) {
				return fs.SkipDir
			}
			if p != "." && !opts.NoGitignore && len(patterns) > 0 && gitignore.NewMatcher(patterns).Match(parts, true) {
				skipped++
				return fs.SkipDir
			}
			if !opts.NoGitignore {
				patterns = append(patterns, readIgnore(root, p, parts)...)
			}
			return nil
		}
		if excluded(p, opts.Exclude) || (!opts.NoGitignore && len(patterns) > 0 && gitignore.NewMatcher(patterns).Match(parts, false)) {
			skipped++
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := root.Stat(p); err != nil || !st.Mode().IsRegular() {
				if badLink != nil {
					badLink(p)
				}
				return nil
			}
		} else if !d.Type().IsRegular() {
			return nil
		}
		return fn(p)
	})
	if errors.Is(err, fs.SkipAll) {
		err = nil
	}
	return skipped, err
}

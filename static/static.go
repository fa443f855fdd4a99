// Package static embeds the front-end files (vendored htmx 2.0.11 and the
// stylesheet) so the binary needs nothing beside it at run time.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
)

//go:embed *.js *.css
var files embed.FS

// File is one embedded asset with its content hash.
type File struct {
	Name        string
	Data        []byte
	Hash        string // first 12 hex digits of SHA-256: the cache-busting version
	ContentType string
}

var byName = load()

func load() map[string]*File {
	m := map[string]*File{}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(data)
		m[e.Name()] = &File{Name: e.Name(), Data: data, Hash: hex.EncodeToString(sum[:6]), ContentType: contentType(e.Name())}
	}
	return m
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	}
	return "application/octet-stream"
}

// Lookup returns the asset with the given name.
func Lookup(name string) (*File, bool) {
	f, ok := byName[name]
	return f, ok
}

// URL returns the asset's URL carrying its content hash, so it can be cached
// for a year and still change the moment the file does.
func URL(name string) string {
	if f, ok := byName[name]; ok {
		return "/static/" + name + "?v=" + f.Hash
	}
	return "/static/" + name
}

package views

// assetURL maps a static file name to its URL with a content hash, set by
// the static package at start-up so pages link to cache-forever URLs.
var assetURL = func(name string) string { return "/static/" + name }

// SetAssetURL installs the function that gives each static file its hashed URL.
func SetAssetURL(f func(name string) string) { assetURL = f }

// Asset returns the URL of a static file.
func Asset(name string) string { return assetURL(name) }

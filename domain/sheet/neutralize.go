package sheet

// Neutralize makes a text cell safe from formula injection: a value that
// begins with = + - @ (or a tab or carriage return, which some programs
// strip before parsing) is prefixed with an apostrophe, so Excel and WPS
// show it as text instead of evaluating it.
func Neutralize(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

package views

import "strconv"

func itoaV(n int) string { return strconv.Itoa(n) }

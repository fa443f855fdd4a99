package handlers

import (
	"context"
	"io"
	"net/url"

	"github.com/a-h/templ"
)

// templJoin renders components one after the other (a fragment plus its
// out-of-band updates).
func templJoin(cs ...templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		for _, c := range cs {
			if err := c.Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

func urlPathEscape(s string) string { return url.PathEscape(s) }

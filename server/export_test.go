package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/barri-city/barri/workshop"
)

// TestDecidimBodyKeepsTextAsText: a participant's markup reaches Decidim's
// rich-text body escaped, in paragraphs, never as markup.
func TestDecidimBodyKeepsTextAsText(t *testing.T) {
	v := &workshop.View{Proposals: []workshop.ProposalView{{ID: "p5", Name: "Parc <b>gran</b>",
		Description: "Un <a href=\"https://evil.example\">parc</a> & més\nsegona línia\n\n<script>alert(1)</script>"}}}
	data, err := DecidimJSON(v, "http://127.0.0.1:8080")
	if err != nil {
		t.Fatal(err)
	}
	var out []decidimProposal
	if err := json.Unmarshal(data, &out); err != nil || len(out) != 1 {
		t.Fatalf("decidim.json: %v %s", err, data)
	}
	body := out[0].Body["ca"]
	for _, raw := range []string{"<a ", "<script>", "<b>"} {
		if strings.Contains(body, raw) {
			t.Fatalf("the body holds the participant's markup %q: %s", raw, body)
		}
	}
	want := `<p>Un &lt;a href=&#34;https://evil.example&#34;&gt;parc&lt;/a&gt; &amp; més<br>segona línia</p><p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`
	if !strings.HasPrefix(body, want) {
		t.Fatalf("body %s\nwant it to start with %s", body, want)
	}
}

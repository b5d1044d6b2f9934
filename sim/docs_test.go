package sim

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestModelsDocListsEveryParameter keeps docs/MODELS.md in step with the code.
func TestModelsDocListsEveryParameter(t *testing.T) {
	doc, err := os.ReadFile("../docs/MODELS.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ParamDefs() {
		row := "| `" + d.Name + "` | " + strconv.FormatFloat(d.Default, 'g', -1, 64) + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/MODELS.md lacks the row of %s with its default %v", d.Name, d.Default)
		}
	}
}

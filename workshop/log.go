package workshop

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// LogFormat is the version of the exported log (log.json).
const LogFormat = 1

// LogEntry is one event of an exported log: its sequence number, the
// event's hashed record exactly as hashed, and the chain hash after it.
type LogEntry struct {
	Seq   int64           `json:"seq"`
	Hash  string          `json:"hash"`
	Event json.RawMessage `json:"event"`
}

// WriteLog writes an exported log: a JSON object with the workshop's id
// and its entries, one per line, each record byte for byte as hashed.
func WriteLog(w io.Writer, workshop string, entries []LogEntry) error {
	var b bytes.Buffer
	id, _ := json.Marshal(workshop)
	fmt.Fprintf(&b, "{\"barri_log\":%d,\"workshop\":%s,\"genesis\":%q,\"events\":[\n", LogFormat, id, GenesisHash)
	for i, e := range entries {
		fmt.Fprintf(&b, "{\"seq\":%d,\"hash\":%q,\"event\":%s}", e.Seq, e.Hash, e.Event)
		if i < len(entries)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]}\n")
	_, err := w.Write(b.Bytes())
	return err
}

// VerifyError is an exported log that does not verify: Seq is the first
// broken sequence number (0 when the file itself is malformed).
type VerifyError struct {
	Seq int64
	Err string
}

func (e *VerifyError) Error() string {
	if e.Seq == 0 {
		return "workshop: log: " + e.Err
	}
	return fmt.Sprintf("workshop: log: event %d: %s", e.Seq, e.Err)
}

// VerifyLog checks an exported log: the sequence numbers are dense from 1,
// each hash is the chain hash of the record after the previous one, each
// record is an event with its own sequence number, and replaying the
// events follows the rules. It returns the workshop's id and its final
// state (without display names: the log carries none).
func VerifyLog(data []byte) (string, *State, error) {
	var log struct {
		Format   int        `json:"barri_log"`
		Workshop string     `json:"workshop"`
		Genesis  string     `json:"genesis"`
		Events   []LogEntry `json:"events"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&log); err != nil {
		// Name the entry where the JSON breaks, when it is inside one.
		return "", nil, &VerifyError{Seq: seqAt(data, dec.InputOffset()), Err: fmt.Sprintf("malformed JSON: %v", err)}
	}
	if log.Format != LogFormat {
		return "", nil, &VerifyError{Err: fmt.Sprintf("format %d, want %d (is this a Barri log.json?)", log.Format, LogFormat)}
	}
	if log.Genesis != GenesisHash {
		return "", nil, &VerifyError{Err: "the genesis hash is not Barri's"}
	}
	if len(log.Events) == 0 {
		return "", nil, &VerifyError{Err: "no events"}
	}
	st := &State{}
	prev := GenesisHash
	for i, e := range log.Events {
		want := int64(i + 1)
		if e.Seq != want {
			return "", nil, &VerifyError{Seq: want, Err: fmt.Sprintf("entry has sequence number %d: events are missing or out of order", e.Seq)}
		}
		if got := ChainHash(prev, e.Event); got != e.Hash {
			return "", nil, &VerifyError{Seq: want, Err: "the hash does not match: the event or an earlier hash was changed"}
		}
		prev = e.Hash
		var ev Event
		d := json.NewDecoder(bytes.NewReader(e.Event))
		d.DisallowUnknownFields()
		if err := d.Decode(&ev); err != nil {
			return "", nil, &VerifyError{Seq: want, Err: fmt.Sprintf("not an event: %v", err)}
		}
		if ev.Seq != want {
			return "", nil, &VerifyError{Seq: want, Err: fmt.Sprintf("the event says it is %d", ev.Seq)}
		}
		if ev.DisplayName != "" {
			return "", nil, &VerifyError{Seq: want, Err: "the record holds a display name: logs carry none"}
		}
		if err := st.Apply(&ev); err != nil {
			return "", nil, &VerifyError{Seq: want, Err: fmt.Sprintf("breaks the rules: %v", err)}
		}
	}
	return log.Workshop, st, nil
}

// seqAt finds the sequence number of the entry around offset off: the
// last `{"seq":N` before it.
func seqAt(data []byte, off int64) int64 {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	i := bytes.LastIndex(data[:off], []byte("{\"seq\":"))
	if i < 0 {
		return 0
	}
	var n int64
	for _, c := range data[i+7:] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	return n
}

package sdc

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pairs splits "code:parent" specs into parallel slices; "R:" is a root.
func pairs(spec ...string) (codes, parents []string) {
	for _, s := range spec {
		c, p, ok := strings.Cut(s, ":")
		if !ok {
			panic("bad spec " + s)
		}
		codes, parents = append(codes, c), append(parents, p)
	}
	return codes, parents
}

func mustDim(t testing.TB, name string, spec ...string) *Dimension {
	t.Helper()
	codes, parents := pairs(spec...)
	d, err := NewDimension(name, codes, parents)
	require.NoError(t, err)
	return d
}

func mustFlat(t testing.TB, name string, codes ...string) *Dimension {
	t.Helper()
	d, err := NewFlat(name, codes)
	require.NoError(t, err)
	return d
}

func TestNewDimensionErrors(t *testing.T) {
	tests := []struct {
		name    string
		codes   []string
		parents []string
		want    string
	}{
		{"length mismatch", []string{"A", "B"}, []string{""}, `dimension "g": 2 codes but 1 parents`},
		{"empty", nil, nil, `dimension "g": empty hierarchy`},
		{"empty code", []string{"R", ""}, []string{"", "R"}, `dimension "g": entry 2 has an empty code`},
		{"duplicate code", []string{"R", "A", "B", "A"}, []string{"", "R", "R", "B"}, `dimension "g": duplicate code "A" (entries 2 and 4)`},
		{"duplicate root code", []string{"R", "R"}, []string{"", "R"}, `dimension "g": duplicate code "R" (entries 1 and 2)`},
		{"no root", []string{"A", "B"}, []string{"B", "A"}, `dimension "g": no root (no code has an empty parent)`},
		{"several roots", []string{"R", "A", "S"}, []string{"", "R", ""}, `dimension "g": several roots: "R" and "S"`},
		{"unknown parent", []string{"R", "A", "B"}, []string{"", "R", "X"}, `dimension "g": code "B" has unknown parent "X"`},
		{"own parent", []string{"R", "A", "B"}, []string{"", "R", "B"}, `dimension "g": cycle: code "B" is its own parent`},
		{"disconnected 2-cycle", []string{"R", "A", "B", "C"}, []string{"", "R", "C", "B"},
			`dimension "g": cycle through code "B" (it does not descend from root "R")`},
		{"disconnected 3-cycle", []string{"X", "R", "Y", "Z"}, []string{"Z", "", "X", "Y"},
			`dimension "g": cycle through code "X" (it does not descend from root "R")`},
		// A node hanging below a cycle is not on the cycle; the error names
		// one that is.
		{"tail below a cycle", []string{"R", "T2", "T1", "A", "B"}, []string{"", "T1", "A", "B", "A"},
			`dimension "g": cycle through code "A" (it does not descend from root "R")`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewDimension("g", tc.codes, tc.parents)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Equal(t, tc.want, err.Error())
		})
	}
	// Typed: the row, and a sentinel for errors.Is.
	_, err := ReadHierarchy("geo", strings.NewReader("code,parent\nNO,\n1101,NO\n1102,NO\n1101,NO\n"))
	var pe *ParseError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, 5, pe.Row)
	assert.ErrorIs(t, err, ErrDuplicateCode)
	assert.Contains(t, err.Error(), "(first at row 3)")
}

func TestNewFlat(t *testing.T) {
	d := mustFlat(t, "sex", "M", "F")
	assert.Equal(t, "sex", d.Name())
	assert.Equal(t, 3, d.Len())
	assert.Equal(t, 2, d.NumLeaves())
	assert.Equal(t, []string{TotalCode, "M", "F"}, d.codes)
	assert.Equal(t, []int{1, 2}, d.Children(0))
	assert.Equal(t, 1, d.MaxDepth())
	assert.Equal(t, 0, d.Same(0))

	_, err := NewFlat("sex", []string{"M", "M"})
	assert.EqualError(t, err, `dimension "sex": duplicate code "M" (entries 2 and 3)`)
	_, err = NewFlat("sex", []string{"M", TotalCode})
	assert.EqualError(t, err, `dimension "sex": duplicate code "Total" (entries 1 and 3)`)
	_, err = NewFlat("sex", []string{"M", ""})
	assert.EqualError(t, err, `dimension "sex": entry 3 has an empty code`)

	// A flat dimension without codes is just its total, which is then a leaf.
	d = mustFlat(t, "x")
	assert.Equal(t, 1, d.Len())
	assert.True(t, d.IsLeaf(0))
	assert.Equal(t, 1, d.NumLeaves())
	assert.Empty(t, d.Children(0))
}

// skewed is a tree with leaves at depths 1, 2 and 3 and a single-child chain,
// given in scrambled order:
//
//	NO
//	├── B
//	│   ├── B1
//	│   │   ├── B1a
//	│   │   └── B1b
//	│   └── B2
//	├── A
//	└── C
//	    └── C1
//	        └── C1x
func skewed(t testing.TB) *Dimension {
	return mustDim(t, "geo", "B1a:B1", "NO:", "C1:C", "B:NO", "A:NO", "B1:B", "C1x:C1", "B2:B", "C:NO", "B1b:B1")
}

func TestDimensionSkewed(t *testing.T) {
	d := skewed(t)
	type node struct {
		code      string
		parent    int
		depth     int
		size      int
		children  []int
		leafOrd   int
		leafLo    int
		leafHi    int
		same      int
		numLeaves int
	}
	want := []node{
		{"NO", -1, 0, 10, []int{1, 6, 7}, -1, 0, 5, 0, 5},
		{"B", 0, 1, 5, []int{2, 5}, -1, 0, 3, 1, 3},
		{"B1", 1, 2, 3, []int{3, 4}, -1, 0, 2, 2, 2},
		{"B1a", 2, 3, 1, []int{}, 0, 0, 1, 3, 1},
		{"B1b", 2, 3, 1, []int{}, 1, 1, 2, 4, 1},
		{"B2", 1, 2, 1, []int{}, 2, 2, 3, 5, 1},
		{"A", 0, 1, 1, []int{}, 3, 3, 4, 6, 1},
		{"C", 0, 1, 3, []int{8}, -1, 4, 5, 9, 1},
		{"C1", 7, 2, 2, []int{9}, -1, 4, 5, 9, 1},
		{"C1x", 8, 3, 1, []int{}, 4, 4, 5, 9, 1},
	}
	require.Equal(t, len(want), d.Len())
	assert.Equal(t, 5, d.NumLeaves())
	assert.Equal(t, 3, d.MaxDepth())
	for i, w := range want {
		assert.Equal(t, w.code, d.Code(i), "code of node %d", i)
		n, ok := d.Index(w.code)
		assert.True(t, ok)
		assert.Equal(t, i, n, "index of %s", w.code)
		assert.Equal(t, w.parent, d.Parent(i), "parent of %s", w.code)
		assert.Equal(t, w.depth, d.Depth(i), "depth of %s", w.code)
		assert.Equal(t, w.size, d.SubtreeSize(i), "subtree of %s", w.code)
		assert.Equal(t, w.children, d.Children(i), "children of %s", w.code)
		assert.Equal(t, len(w.children), d.NumChildren(i))
		for k, c := range w.children {
			assert.Equal(t, c, d.Child(i, k))
		}
		assert.Equal(t, w.leafOrd, d.LeafOrdinal(i), "leaf ordinal of %s", w.code)
		assert.Equal(t, w.leafOrd >= 0, d.IsLeaf(i))
		if w.leafOrd >= 0 {
			assert.Equal(t, i, d.Leaf(w.leafOrd))
		}
		lo, hi := d.LeafRange(i)
		assert.Equal(t, [2]int{w.leafLo, w.leafHi}, [2]int{lo, hi}, "leaf range of %s", w.code)
		assert.Equal(t, w.same, d.Same(i), "Same(%s)", w.code)
		for j := range want {
			anc := false
			for a := j; a >= 0; a = want[a].parent {
				anc = anc || a == i
			}
			assert.Equal(t, anc, d.IsAncestor(i, j), "IsAncestor(%s, %s)", w.code, want[j].code)
		}
	}
	_, ok := d.Index("nope")
	assert.False(t, ok)
}

func TestDimensionDeep(t *testing.T) {
	// A chain 10,000 deep with a second leaf under the root: the walk is
	// iterative, so depth costs no stack.
	const n = 10000
	codes := []string{"root", "side"}
	parents := []string{"", "root"}
	for i := 0; i < n; i++ {
		p := "root"
		if i > 0 {
			p = fmt.Sprint("c", i-1)
		}
		codes = append(codes, fmt.Sprint("c", i))
		parents = append(parents, p)
	}
	d, err := NewDimension("deep", codes, parents)
	require.NoError(t, err)
	assert.Equal(t, n+2, d.Len())
	assert.Equal(t, n, d.MaxDepth())
	assert.Equal(t, 2, d.NumLeaves())
	assert.Equal(t, n+2, d.SubtreeSize(0))
	// "side" was given before the chain, so it comes first in pre-order.
	assert.Equal(t, []int{1, 2}, d.Children(0))
	last, _ := d.Index(fmt.Sprint("c", n-1))
	assert.Equal(t, n+1, last)
	assert.Equal(t, n, d.Depth(last))
	first, _ := d.Index("c0")
	assert.Equal(t, last, d.Same(first), "a single-child chain is one cell")
	assert.Equal(t, 0, d.Same(0))
	lo, hi := d.LeafRange(first)
	assert.Equal(t, [2]int{1, 2}, [2]int{lo, hi})
	assert.Equal(t, 1, d.LeafOrdinal(last))
}

// refTree is an independent model of a tree, for comparing with Dimension.
type refTree struct {
	codes    []string
	parents  []string
	children map[string][]string // in input order
	root     string
}

// randomTree draws a random tree of n nodes (n ≥ 1) with skewed depths, and
// returns it in a shuffled input order.
func randomTree(rng *rand.Rand, prefix string, n int) refTree {
	codes := []string{prefix + "T"}
	parents := []string{""}
	for i := 1; i < n; i++ {
		// Prefer recent nodes as parents, which makes deep, skewed trees.
		var p int
		if rng.IntN(3) == 0 {
			p = rng.IntN(i)
		} else {
			p = max(0, i-1-rng.IntN(3))
		}
		codes = append(codes, fmt.Sprintf("%s%d", prefix, i))
		parents = append(parents, codes[p])
	}
	rng.Shuffle(n, func(i, j int) {
		codes[i], codes[j] = codes[j], codes[i]
		parents[i], parents[j] = parents[j], parents[i]
	})
	rt := refTree{codes: codes, parents: parents, children: map[string][]string{}}
	for i, c := range codes {
		if parents[i] == "" {
			rt.root = c
		} else {
			rt.children[parents[i]] = append(rt.children[parents[i]], c)
		}
	}
	return rt
}

// preorder lists the codes in depth-first pre-order, recursively.
func (rt refTree) preorder() []string {
	var out []string
	var walk func(c string)
	walk = func(c string) {
		out = append(out, c)
		for _, k := range rt.children[c] {
			walk(k)
		}
	}
	walk(rt.root)
	return out
}

// leavesUnder lists the leaves under c in pre-order.
func (rt refTree) leavesUnder(c string) []string {
	var out []string
	var walk func(c string)
	walk = func(c string) {
		if len(rt.children[c]) == 0 {
			out = append(out, c)
		}
		for _, k := range rt.children[c] {
			walk(k)
		}
	}
	walk(c)
	return out
}

func TestDimensionRandomTrees(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := 0; iter < 300; iter++ {
		rt := randomTree(rng, "n", 1+rng.IntN(40))
		d, err := NewDimension("r", rt.codes, rt.parents)
		require.NoError(t, err)
		pre := rt.preorder()
		require.Equal(t, len(pre), d.Len())
		allLeaves := rt.leavesUnder(rt.root)
		require.Equal(t, len(allLeaves), d.NumLeaves())
		for i, c := range pre {
			require.Equal(t, c, d.Code(i))
		}
		for i, c := range pre {
			kids := rt.children[c]
			var got []string
			for _, k := range d.Children(i) {
				got = append(got, d.Code(k))
			}
			require.Equal(t, kids, got, "children of %s", c)
			if i > 0 {
				require.Equal(t, rt.parents[indexOf(rt.codes, c)], d.Code(d.Parent(i)))
				require.Equal(t, d.Depth(d.Parent(i))+1, d.Depth(i))
			}
			under := rt.leavesUnder(c)
			lo, hi := d.LeafRange(i)
			var gotLeaves []string
			for k := lo; k < hi; k++ {
				gotLeaves = append(gotLeaves, d.Code(d.Leaf(k)))
			}
			require.Equal(t, under, gotLeaves, "leaves under %s", c)
			// The subtree is the index range [i, i+size).
			size := 0
			for j := range pre {
				if isBelow(rt, pre[j], c) {
					size++
					require.True(t, d.IsAncestor(i, j))
					require.GreaterOrEqual(t, j, i)
					require.Less(t, j, i+d.SubtreeSize(i))
				} else {
					require.False(t, d.IsAncestor(i, j))
				}
			}
			require.Equal(t, size, d.SubtreeSize(i))
			// Same follows single children down.
			s := c
			for len(rt.children[s]) == 1 {
				s = rt.children[s][0]
			}
			require.Equal(t, s, d.Code(d.Same(i)))
		}
	}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// isBelow reports whether code c is a or lies below a in rt.
func isBelow(rt refTree, c, a string) bool {
	for c != "" {
		if c == a {
			return true
		}
		c = rt.parents[indexOf(rt.codes, c)]
	}
	return false
}

func TestReadHierarchy(t *testing.T) {
	in := "\uFEFFcode,name,parent\r\n" +
		"NO,Norway,\r\n" +
		"\"03\",\"Oslo, county\",NO\r\n" +
		" 0301 ,Oslo,03\r\n" +
		"11,Rogaland,NO\r\n" +
		"1101,Eigersund,11\r\n" +
		"1151,Utsira, 11 \r\n"
	d, err := ReadHierarchy("geo", strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, "geo", d.Name())
	assert.Equal(t, []string{"NO", "03", "0301", "11", "1101", "1151"}, d.codes)
	oslo, _ := d.Index("03")
	m, _ := d.Index("0301")
	assert.Equal(t, m, d.Same(oslo), "Oslo county is the same cell as its only municipality")
	r, _ := d.Index("11")
	assert.Equal(t, r, d.Same(r))
}

func TestReadHierarchyErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty file", "", `hierarchy "geo": empty file`},
		{"only a BOM", "\uFEFF", `hierarchy "geo": empty file`},
		{"header only", "code,parent\n", `dimension "geo": empty hierarchy`},
		{"missing parent column", "code,name\nNO,Norway\n", `hierarchy "geo": row 1: missing column "parent" (header has "code", "name")`},
		{"missing code column", "kode,parent\nNO,\n", `hierarchy "geo": row 1: missing column "code" (header has "kode", "parent")`},
		{"duplicate column", "code,parent,code\nNO,,x\n", `hierarchy "geo": row 1: column "code" appears twice in the header`},
		{"ragged row", "code,parent\nNO,\n03,NO,extra\n", `hierarchy "geo": row 3: wrong number of fields (ragged row)`},
		{"bad quote", "code,parent\nNO,\n0\"3,NO\n", `hierarchy "geo": row 3: bare " in non-quoted-field`},
		{"empty code", "code,parent\nNO,\n ,NO\n", `row 3, column 1: empty code`},
		// Blank lines are skipped, but rows keep their line numbers.
		{"empty code after blank lines", "code,parent\n\nNO,\n\n\"\",NO\n", `row 5, column 1: empty code`},
		{"duplicate code", "code,parent\nNO,\n03,NO\n03,NO\n", `row 4: duplicate code "03" (first at row 3)`},
		{"no root", "code,parent\nA,B\nB,A\n", `dimension "geo": no root (no code has an empty parent)`},
		{"several roots", "code,parent\nNO,\nSE,\n", `row 3: several roots: "NO" and "SE" (row 2); only the root has an empty parent`},
		{"unknown parent", "code,parent\nNO,\n0301,03\n", `row 3: code "0301" has unknown parent "03"`},
		{"cycle off the root", "code,parent\nNO,\n03,NO\nA,B\nB,A\n", `row 4: cycle through code "A" (it does not descend from root "NO")`},
		{"own parent", "code,parent\nNO,\nA,A\n", `row 3: cycle: code "A" is its own parent`},
		{"NUL in a code", "code,parent\nNO,\n0\x001,NO\n", `row 3, column 1: invalid code "0\x001": control character U+0000`},
		{"invalid UTF-8 in a parent", "code,parent\nNO,\n01,N\xffO\n", `row 3, column 2: invalid code "N\xffO": not valid UTF-8`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := ReadHierarchy("geo", strings.NewReader(tc.in))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Equal(t, tc.want, err.Error())
		})
	}
}

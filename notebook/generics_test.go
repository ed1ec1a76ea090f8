package notebook_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// notebookPackages are the packages a notebook imports (directly or
// through the ones it names): gophernotes imports each as a plugin and
// cannot import a generic function or type.
var notebookPackages = []string{
	"github.com/tabsdc/tabsdc/notebook", "github.com/tabsdc/tabsdc/sdc", "github.com/tabsdc/tabsdc/report",
	"github.com/tabsdc/tabsdc/pipeline", "github.com/tabsdc/tabsdc/suppress", "github.com/tabsdc/tabsdc/audit",
	"github.com/tabsdc/tabsdc/rounding", "github.com/tabsdc/tabsdc/noise", "github.com/tabsdc/tabsdc/benchmarks",
	"github.com/tabsdc/tabsdc/data", "github.com/tabsdc/tabsdc/dhis2",
}

// generics lists the exported generic functions, types and methods of a
// type-checked package.
func generics(pkg *types.Package) []string {
	var out []string
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch o := obj.(type) {
		case *types.Func:
			if sig := o.Type().(*types.Signature); sig.TypeParams().Len() > 0 {
				out = append(out, pkg.Path()+"."+name)
			}
		case *types.TypeName:
			if named, ok := o.Type().(*types.Named); ok {
				if named.TypeParams().Len() > 0 {
					out = append(out, pkg.Path()+"."+name)
				}
				for i := 0; i < named.NumMethods(); i++ {
					m := named.Method(i)
					if m.Exported() && m.Type().(*types.Signature).RecvTypeParams().Len() > 0 {
						out = append(out, pkg.Path()+"."+name+"."+m.Name())
					}
				}
			}
			if _, ok := o.Type().(*types.Alias); ok {
				if t, ok := types.Unalias(o.Type()).(*types.Named); ok && t.TypeArgs().Len() > 0 {
					out = append(out, pkg.Path()+"."+name+" (an instantiated generic type)")
				}
			}
		}
	}
	return out
}

// TestNoGenerics: no package a notebook imports exports a generic
// function, type or method.
func TestNoGenerics(t *testing.T) {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	for _, path := range notebookPackages {
		pkg, err := imp.Import(path)
		require.NoError(t, err, path)
		assert.Empty(t, generics(pkg), "%s exports generic code: gophernotes cannot import it", path)
	}
}

// TestNoGenericsFindsOne: the check fails on a package with an exported
// generic function, type or method, and not on one whose generics are
// unexported.
func TestNoGenericsFindsOne(t *testing.T) {
	check := func(src string) []string {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, "p.go", src, 0)
		require.NoError(t, err)
		pkg, err := (&types.Config{}).Check("example.com/p", fset, []*ast.File{f}, nil)
		require.NoError(t, err)
		return generics(pkg)
	}
	assert.Equal(t, []string{"example.com/p.Map"}, check("package p\nfunc Map[T any](x T) T { return x }\n"))
	assert.Equal(t, []string{"example.com/p.Box"}, check("package p\ntype Box[T any] struct{ v T }\n"))
	assert.Equal(t, []string{"example.com/p.Box"}, check("package p\ntype Box[T any] struct{ v T }\nfunc (b Box[T]) get() T { return b.v }\n"))
	assert.Empty(t, check("package p\nfunc mapIt[T any](x T) T { return x }\nfunc Use() int { return mapIt(1) }\n"))
}

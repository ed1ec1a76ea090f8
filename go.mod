module github.com/tabsdc/tabsdc

go 1.24.0

require (
	github.com/google/differential-privacy/go/v3 v3.0.0 // indirect
	github.com/stretchr/testify v1.11.1 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
)

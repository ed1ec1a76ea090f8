// Package data embeds the real data that tabsdc's examples and benchmarks run
// on: Norway's 357 municipalities in 15 counties as valid from 1 January 2024,
// with their resident population on that day.
//
// Sources and licences are in SOURCES.md beside this file: codes and names
// © Kartverket (CC BY 4.0); population from Statistics Norway table 07459
// (NLOD 2.0), as compiled by the Norwegian Institute of Public Health's csdata
// package (MIT).
package data

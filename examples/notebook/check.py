"""Checks executed KoSy notebooks: no cell errored, and the outputs hold
the expected figures of T2 and at least one SVG chart."""
import sys
import nbformat

EXPECTED = [
    "T2: 8952 publishable cells, 4998 inner cells, 165848 consultations in all",
    "suppression (max-n 4): 8952 cells, published 6518, primary 1633, secondary 801; audit passed (2434 withheld cells, 0 disclosed, 0 under-protected)",
    "1151 Utsira",
    "small-count rounding (base 3): 8952 cells, published 7196, rounded 1756",
    "differential privacy (ε = 1): 8952 cells, perturbed 8952",
    "56  Finnmark",
    "under 1,000          23     552",
]

failed = False
for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    text, svgs = [], 0
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                print(f"{path}: a cell failed: {o.get('ename')}: {o.get('evalue')}")
                failed = True
            t = o.get("text", "")
            data = o.get("data", {})
            for k in ("text/plain", "text/html", "image/svg+xml"):
                t += data.get(k, "") if isinstance(data.get(k, ""), str) else "".join(data.get(k, ""))
            if "<svg" in t:
                svgs += 1
            text.append(t)
    all_text = "\n".join(text)
    for want in EXPECTED:
        if want not in all_text:
            print(f"{path}: missing expected output: {want!r}")
            failed = True
    if svgs < 2:
        print(f"{path}: {svgs} SVG charts, want 2")
        failed = True
    print(f"{path}: {len(EXPECTED)} figures checked, {svgs} charts")
if failed:
    sys.exit(1)

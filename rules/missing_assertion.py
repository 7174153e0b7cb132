"""`missing-assertion` (NB202): loaded data, a trained model or a metric that is never checked."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from nblint.analysis.notebook import Analysis
from nblint.diagnostics import Finding
from nblint.rule import Rule, example

_ADVICE = {
    "load": "a missing file raises, but an empty one or missing columns pass silently; assert what you expect "
    "(`assert not df.empty`, expected columns, no nulls in keys) or validate a schema",
    "collect": "rows the loop skipped leave it short or empty without a sound; assert the row count or that "
    "nothing was skipped",
    "model": "assert on a quality measure, e.g. a held-out metric (`assert accuracy_score(y_test, pred) >= 0.8`)",
    "metric": "assert it is in the range you expect (`assert 0.8 <= score <= 1.0`)",
}
_VERB = {
    "load": "is loaded",
    "collect": "is built from loop-collected rows",
    "model": "is trained",
    "metric": "is computed",
}


class MissingAssertion(Rule):
    code = "NB202"
    name = "missing-assertion"
    summary = "Loaded data, a trained model or a metric is never checked"
    why = (
        "A notebook that loads data and trains a model without a single check passes with an empty "
        "file, a column full of nulls, or a model that predicts one class. Nothing fails, the numbers "
        "are just wrong. One assert on what you loaded and one on the final metric turn those silent "
        "failures into loud ones, and document what 'correct' means."
    )
    how_to_fix = (
        "After loading: `assert not df.empty`, `assert {'id', 'amount'} <= set(df.columns)`, or a pandera "
        "schema. After training: `assert score >= 0.8, score`. A check on a value derived from the data "
        "counts for the data too, and so does a helper such as `validate(df)` that asserts inside. "
        "This rule owns unchecked loads: `unchecked-io` does not report the same read again (a read that "
        "fails raises at once; what goes unnoticed is wrong content). Not reported: parsing text written "
        "in the notebook (`json.loads('{...}')`, `pd.read_csv(io.StringIO(TEXT))`), and the `fit` of a "
        "preprocessing step (a scaler or encoder used to `transform`), which has no quality to assert."
    )
    bad = (
        example("import pandas as pd\ndf = pd.read_csv('sales.csv')\ndf.groupby('region').amount.sum()", at=((1, 2),)),
        example(
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score",
            "model = LogisticRegression()\nmodel.fit(X_train, y_train)",
            "acc = accuracy_score(y_test, model.predict(X_test))\nprint(acc)",
            at=((3, 1),),
        ),
        example("import json\nwith open('config.json') as fh:\n    config = json.load(fh)", at=((1, 3),)),
        example("from sklearn.cluster import KMeans\nkm = KMeans(n_clusters=3)\nkm.fit(X)", at=((1, 3),)),
        example(
            "import yaml\nconfig = yaml.safe_load(open('config.yaml'))\nthreshold = config['threshold']", at=((1, 2),)
        ),
        example(
            "import pandas as pd\nrows = []\nfor path in paths:\n    try:\n        rows.append(parse(path))\n"
            "    except ValueError:\n        continue\nreport = pd.DataFrame(rows)",
            at=((1, 8),),
        ),
        example(
            "import pandas as pd\ntrain = pd.read_csv('train.csv')\ntest = pd.read_csv('test.csv')",
            "ax = train.plot(y='load')\ntest.plot(y='load', ax=ax)",
            at=((1, 2), (1, 3)),
        ),
    )
    good = (
        example("import pandas as pd\ndf = pd.read_csv('sales.csv')\nassert not df.empty, 'no sales rows'"),
        example(
            "from sklearn.linear_model import LogisticRegression\nfrom sklearn.metrics import accuracy_score",
            "model = LogisticRegression()\nmodel.fit(X_train, y_train)",
            "acc = accuracy_score(y_test, model.predict(X_test))",
            "assert acc >= 0.8, f'accuracy {acc:.2f} below 0.8'",
        ),
        example(
            "import pandas as pd\n\ndef validate(frame):\n    if frame['amount'].isna().any():\n"
            "        raise ValueError('missing amounts')",
            "df = pd.read_csv('sales.csv')\nclean = df.dropna(subset=['id'])",
            "validate(clean)",
        ),
        example(
            "import pandas as pd\nimport pandera as pa\nschema = pa.DataFrameSchema({'amount': pa.Column(float)})",
            "df = schema.validate(pd.read_csv('sales.csv'))",
        ),
        example(
            "from sklearn.preprocessing import StandardScaler\nscaler = StandardScaler()\nscaler.fit(X_train)\n"
            "X_test_scaled = scaler.transform(X_test)"
        ),
        example("import io\nimport pandas as pd\nTEXT = 'city,temp\\nOslo,4\\n'\ndf = pd.read_csv(io.StringIO(TEXT))"),
    )

    def check(self, nb: Analysis) -> Iterator[Finding]:
        flow = nb.dataflow
        unchecked = [
            p
            for p in flow.producers
            if not flow.is_validated(p.name) and not (p.kind == "load" and _validated_inline(p))
        ]
        # Report the last unchecked link of each chain: one assert on the metric covers the model and data.
        upstream = set().union(*(flow.ancestors(p.name) for p in unchecked))
        for producer in unchecked:
            if producer.name in upstream:
                continue
            yield Finding(
                f"`{producer.name}` {_VERB[producer.kind]} here but never checked: {_ADVICE[producer.kind]}",
                producer.cell.number,
                producer.cell.span(producer.node),
            )


def _validated_inline(producer) -> bool:
    """`schema.validate(pd.read_csv(...))`: the load is checked where it happens."""
    value = getattr(producer.node, "value", None)
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return "validat" in name.lower()

"""Generated evaluation data: the seeded multilingual set behind data/eval/multilingual_v1.json.

    python -m training.synth --seed 7 --per-lang 300 --out data/eval/multilingual_v1.json

`multilingual` fills native-language templates (`_templates`) with Faker values and validated
identifiers (`_identifiers`). Faker comes with the `synth` extra (also in `dev` and `ner-train`);
nothing shipped imports this package, and importing it alone does not need Faker.
"""

#: The extra that installs what generating data needs.
EXTRA = "synth"

"""Training of the builtin NER model: real corpora, hand-written texts, the generated corpus, the
trainer and a quick scorer (`make ner-model`). Not part of the installed package."""

"""Training pipeline of the builtin NER model: corpus generator, trainer, quick scorer (`make ner-model`)."""

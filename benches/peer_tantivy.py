"""The tantivy peer of benches/compare.sh: a character n-gram index as a plain tantivy user
would build it (tantivy-py, ngram(1,2) + lowercase), over the same twlaw passages, queried
with the OR of the query's bigrams, top 10, each hit's stored text fetched and a
SnippetGenerator highlight made, one query at a time after a warm-up pass.

    python benches/peer_tantivy.py TSV QUERIES INDEX_DIR

prints `zh queries=N p50_ms=X p99_ms=Y` and the same for `en`, as examples/latency.rs does.
The English queries are those of benches/support.rs: the 2nd and 3rd words of five or more
letters of every 50th article's translation.
"""

import os
import re
import sys
import time

import tantivy


def analyzer():
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.ngram(1, 2, False))
        .filter(tantivy.Filter.lowercase())
        .build()
    )


def build(tsv, directory):
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("text", stored=True, tokenizer_name="ngram12")
    schema = builder.build()
    fresh = not os.path.exists(os.path.join(directory, "meta.json"))
    os.makedirs(directory, exist_ok=True)
    index = tantivy.Index(schema, path=directory)
    index.register_tokenizer("ngram12", analyzer())
    if fresh:
        writer = index.writer(heap_size=500_000_000)
        with open(tsv, encoding="utf-8") as rows:
            next(rows)
            for row in rows:
                cells = row.rstrip("\n").split("\t")
                for text in cells[2:4]:
                    if text:
                        writer.add_document(tantivy.Document(text=text))
        writer.commit()
        writer.wait_merging_threads()
    index.reload()
    return index, schema


def grams(text):
    """The query's character pairs within its words (a one-character word: itself)."""
    out = []
    for word in text.lower().split():
        pairs = [word[i : i + 2] for i in range(len(word) - 1)]
        out.extend(pairs or [word])
    return list(dict.fromkeys(out))


def run(index, schema, queries):
    searcher = index.searcher()

    def one(text):
        terms = [
            (tantivy.Occur.Should, tantivy.Query.term_query(schema, "text", t))
            for t in grams(text)
        ]
        query = tantivy.Query.boolean_query(terms)
        snippets = tantivy.SnippetGenerator.create(searcher, query, schema, "text")
        for _score, address in searcher.search(query, 10).hits:
            doc = searcher.doc(address)
            snippets.snippet_from_doc(doc).highlighted()

    for text in queries:
        one(text)
    millis = []
    for text in queries:
        start = time.perf_counter()
        one(text)
        millis.append((time.perf_counter() - start) * 1e3)
    millis.sort()
    at = lambda q: millis[round((len(millis) - 1) * q)]
    return len(millis), at(0.5), at(0.99)


def main():
    tsv, queries_path, directory = sys.argv[1:4]
    index, schema = build(tsv, directory)
    chinese = [
        line.rstrip("\n").split("\t", 1)[1]
        for line in open(queries_path, encoding="utf-8")
        if "\t" in line
    ][:1000]
    english = []
    with open(tsv, encoding="utf-8") as rows:
        for i, row in enumerate(list(rows)[1:]):
            if i % 50 or len(english) >= 1000:
                continue
            cells = row.rstrip("\n").split("\t")
            if len(cells) < 4:
                continue
            words = [w for w in re.split(r"[^A-Za-z]", cells[3]) if len(w) >= 5]
            if len(words) >= 3:
                english.append(" ".join(words[1:3]))
    for lang, queries in (("zh", chinese), ("en", english)):
        n, p50, p99 = run(index, schema, queries)
        print(f"{lang} queries={n} p50_ms={p50:.2f} p99_ms={p99:.2f}")


if __name__ == "__main__":
    main()

"""explorer.ui.messages.sentences_text: each sentence starts with a capital, except where a capital would change
what the word says."""
from explorer.ui.messages import sentences_text


def test_sentences_start_with_a_capital_but_symbols_and_names_keep_theirs():
    assert sentences_text(["sparsity p must be …", "ε points must be a whole number."]) == \
        "Sparsity p must be … ε points must be a whole number."
    assert sentences_text(["mnist was not found."], as_is=("mnist",)) == "mnist was not found."
    assert sentences_text(["λ must be ≥ 0."]) == "λ must be ≥ 0."

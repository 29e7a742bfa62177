"""explorer.ui.messages.sentences_text: each sentence starts with a capital, except where a capital would change
what the word says."""
from explorer.ui.messages import sentences_text


def test_sentences_start_with_a_capital_but_symbols_and_names_keep_theirs():
    assert sentences_text(["sparsity p must be …", "ε points must be a whole number."]) == \
        "Sparsity p must be … ε points must be a whole number."
    assert sentences_text(["mnist was not found."], as_is=("mnist",)) == "mnist was not found."
    assert sentences_text(["λ must be ≥ 0."]) == "λ must be ≥ 0."


def test_after_a_cancel_the_stale_words_name_the_settings_the_page_s_few_words_do_not():
    """A cancelled growth run left "they show modules of 10, N up to 24, 4 epochs, 3 seeds", words that fit the
    4 × 60-step run on screen and the stored 4 × 120 one alike (a reviewer's catch): the settings that differ
    from the sidebar's are named, but for those the page's words name (its ``described``). A value that merely
    appears in those words (steps per epoch 24 beside "N up to 24") is still named (the next reviewer's catch)."""
    from explorer.studies.growth.config import GrowthConfig
    from explorer.studies.growth.page import Page
    from explorer.ui.messages import differing_words

    words = lambda shown, sidebar: differing_words(shown, sidebar, Page.described)   # noqa: E731
    assert words(GrowthConfig(epochs=4, steps_per_epoch=60), GrowthConfig(epochs=4)) == \
        " (steps per epoch 60, not 120)"
    assert words(GrowthConfig(epochs=4, steps_per_epoch=24), GrowthConfig(epochs=4)) == \
        " (steps per epoch 24, not 120)"
    assert words(GrowthConfig(epochs=4), GrowthConfig()) == ""                         # "4 epochs" says it
    many = words(GrowthConfig(lr=0.2, batch_size=64, momentum=0.2, clip=1.0), GrowthConfig())
    assert many.count(", not ") == 3                                                   # at most three

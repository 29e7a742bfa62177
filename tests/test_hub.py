"""The hub's page switcher (explorer/ui/hub.py): its links carry the dark theme and classroom mode from a class's
link to the other study pages, and nothing else a URL holds."""
from explorer.ui.hub import kept, nav


def test_the_switcher_keeps_the_theme_and_classroom_mode_of_a_class_link():
    assert kept({}) == {}
    assert kept({"theme": "dark", "classroom": "1"}) == {"theme": "dark", "classroom": "1"}
    assert kept({"lesson": "sparsity"}) == {"classroom": "1"}          # a lesson hides the advanced controls
    assert kept({"classroom": "lr,epochs"}) == {}                       # one page's controls, not the others'
    assert kept({"theme": "<b>x</b>", "classroom": "0"}) == {}


def test_the_switchers_links_carry_what_is_kept_and_escape_it():
    html = nav(["specialization", "bimt"], "bimt", {"theme": "dark", "classroom": "1"}).object
    assert 'href="?study=specialization&amp;theme=dark&amp;classroom=1"' in html
    assert 'href="?study=bimt"' in nav(["specialization", "bimt"], "bimt").object

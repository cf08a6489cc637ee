"""Stance: every match supports, opposes or reports its theme, and a directional theme is
present only through supporting matches.

The sentences are real: each is quoted from the UNGDC speech named beside it
(../shared/corpus/ungdc/UNGDC_1946-2024.zip); `test_sentences_are_real` checks every quote
against the zip where the corpus is present. Council reform has a real opposing sentence (a
defender of the veto in 1946); themes with none in the corpus (a state arguing against AI rules)
are tested on the sentences that exist: a double negation that must stay `supports`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest

from tracker.codebook import load_codebook
from tracker.match import Matcher
from tracker.segment import segment

MATCHER = Matcher(load_codebook(), semantic=False)

# (file, theme, sentence, direction) -- direction of the theme's match in the sentence
SENTENCES = [
    # unilateral_sanctions: condemning, the speaker imposing or keeping its own, calling for them
    ("SYR_67_2012.txt", "unilateral_sanctions", "Under the pretext of humanitarian intervention, these countries interfere in the domestic affairs of States and impose unilateral economic sanctions that lack any moral or legal basis.", "supports"),
    ("USA_72_2017.txt", "unilateral_sanctions", "My Administration recently announced that we will not lift sanctions on the Cuban Government until it makes fundamental reforms.", "reports"),
    ("USA_73_2018.txt", "unilateral_sanctions", "Last month, we began reimposing hard-hitting nuclear sanctions that had been lifted under the Iran deal.", "reports"),
    ("USA_74_2019.txt", "unilateral_sanctions", "As long as Iran’s menacing behaviour continues, sanctions will not be lifted; they will be tightened.", "reports"),
    ("USA_75_2020.txt", "unilateral_sanctions", "We withdrew from the terrible Iran Nuclear Deal and imposed crippling sanctions on the world’s leading state sponsor of terror.", "reports"),
    ("GRC_77_2022.txt", "unilateral_sanctions", "We have imposed punitive sanctions that are beginning to take a toll on the Russian economy.", "reports"),
    # ... and lifting its own sanctions, by "my Government" or by the State's name (1993, South Africa)
    ("PNG_48_1993.txt", "unilateral_sanctions", "Mandela, the Organization of African Unity and the Commonwealth Secretariat, as well as the resolution adopted by consensus in the General Assembly on Friday 8 October, my Government will now take steps to remove legally enforced sanctions.", "reports"),
    ("IND_48_1993.txt", "unilateral_sanctions", "In response to his suggestion, India, which had imposed trade sanctions against South Africa as early as 1946, has initiated action to lift those sanctions and to normalize relations with South Africa.", "reports"),
    # ... but a passive names no act of the speaker
    ("NAM_65_2010.txt", "unilateral_sanctions", "We believe that the economic blockade is unjustifiable and unfair and should therefore be lifted.", "supports"),
    # ... and the Council's sanctions on Southern Rhodesia's regime kept (codebook 0d2f3f6f8e03: 13
    # such statements of the UNGDC had counted as condemning sanctions)
    ("NLD_34_1979.txt", "unilateral_sanctions", "So long as majority rule does not exist, the sanctions against the illegal regime must be strictly applied.", "opposes"),
    ("USA_25_1970.txt", "unilateral_sanctions", "My Government continues strictly to observe resolutions in regard to sanctions against the illegal regime in Rhodesia and in regard to the sale of arms to South Africa.", "opposes"),
    ("VEN_32_1977.txt", "unilateral_sanctions", "In the Security Council we have supported and will always resolutely support the sanctions upon the illegal Rhodesian regime that are necessary to clear the way for majority rule, and we shall contribute as necessary to ensure that Namibia obtains its independence, in accordance with United Nations decisions.", "opposes"),
    # ... and sanctions on apartheid South Africa or on Rhodesia's regime: called for, kept, lifted
    # once they had done their work, or others' opposition to them named (themes.md: "calling for
    # sanctions against a regime (apartheid South Africa) does not" count; 88 UNGDC matches had)
    ("BRB_33_1978.txt", "unilateral_sanctions", "As part of our programme we must be prepared to impose full economic and military sanctions against South Africa and the illegal regime in Rhodesia.", "opposes"),
    ("SLE_26_1971.txt", "unilateral_sanctions", "There should be no excuse whatever, in our opinion, for the lifting of sanctions against Rhodesia until self-government by majority rule has been established in that territory.", "opposes"),
    ("CMR_48_1993.txt", "unilateral_sanctions", "Cameroon supported the appeal made from this rostrum by President Nelson Mandela for the lifting of the economic sanctions against South Africa.", "opposes"),
    ("BWA_48_1993.txt", "unilateral_sanctions", "In its statement of 29 September 1993 the Ad Hoc Committee of the Organization of African Unity on Southern Africa concurred that enough progress had been made in the peace process in South Africa to warrant the lifting of economic sanctions.", "opposes"),
    ("NOR_41_1986.txt", "unilateral_sanctions", "I take this opportunity to urge those countries that still oppose sanctions to reassess their attitude.", "reports"),
    # ... and lifting them denied or put off until a condition is met (a review
    # found Lithuania's "not lifting" counted as condemning sanctions; held-out 55 Saudi Arabia's)
    ("LTU_78_2023.txt", "unilateral_sanctions", "But the solution is not lifting the sanctions on Russia.", "opposes"),
    ("SAU_49_1994.txt", "unilateral_sanctions", "They should also include the recognition of the Republic of Bosnia and Herzegovina by Serbia and Montenegro before any consideration is given to the gradual lifting of the sanctions imposed on them.", "opposes"),
    ("GHA_34_1979.txt", "unilateral_sanctions", "The character of an interim administration, arrangements for properly supervised elections and acceptable conditions for the cease-fire—all these have to be agreed on before any question of lifting sanctions can properly arise.", "opposes"),
    ("ZWE_43_1988.txt", "unilateral_sanctions", "The arguments of those who oppose sanctions sound increasingly hollow and self-serving.", "reports"),
    # ... refused until a condition is met, deferred, or the lifting called a pretext: the
    # speaker wants them kept (a whole-UNGDC audit found these 7 counted as condemning sanctions)
    ("UKR_69_2014.txt", "unilateral_sanctions", "We ask our partners not to lift sanctions until Ukraine takes over control of its entire territory, starting with the east of Ukraine and ending with Crimea.", "opposes"),
    ("EST_75_2020.txt", "unilateral_sanctions", "The pandemic has been used as a pretext to lift sanctions or restrict humanitarian aid.", "opposes"),
    ("BHS_45_1990.txt", "unilateral_sanctions", "Sanctions should not be lifted until there is real and irreversible movement towards the abolition of apartheid in South Africa.", "opposes"),
    ("MOZ_31_1976.txt", "unilateral_sanctions", "We would like to state categorically that there is no question of lifting sanctions until the constitutional conference has produced results considered satisfactory by the freedom fighters.", "opposes"),
    ("IDN_46_1991.txt", "unilateral_sanctions", "Any lifting of sanctions, therefore, should be deferred until the course of fundamental change towards the establishment of a democratic, non-racial South Africa, based on universal suffrage, has become irreversible.", "opposes"),
    # ... and the Council's own sanctions, lifted by it and welcomed: a Council decision endorsed
    # (the gold's BLR_51_1996), while a call on the Council to lift them still condemns them
    ("MUS_58_2003.txt", "unilateral_sanctions", "May I welcome the decision of the Security Council to lift the sanctions on the Libyan Arab Jamahiriya.", "reports"),
    ("MRT_58_2003.txt", "unilateral_sanctions", "We also welcome the lifting of sanctions against Libya by the Security Council.", "reports"),
    ("MRT_56_2001.txt", "unilateral_sanctions", "Turning to developments in the Lockerbie crisis, we welcome the success of diplomatic initiatives, but at the same time feel that the Security Council should act to lift the embargo imposed on Libya.", "supports"),
    # ... while a lifting demanded, with "until" before it, still condemns the embargo
    ("CUB_29_1974.txt", "unilateral_sanctions", "The Cuban delegation renews its strong condemnation of this aggressive measure and states once again that no official negotiation of the dispute between Cuba and the United States can begin until that criminal, arbitrary and anachronistic blockade is lifted for it is in clear contradiction with the detente applied elsewhere.", "supports"),
    ("TCD_70_2015.txt", "unilateral_sanctions", "We urge them to continue their constructive dialogue until we see a complete and definitive lifting of the embargo that Cuba has unjustly suffered for decades, which will enable that country to recover the place it merits in the concert of nations.", "supports"),
    # ... while South Africa as the speaker still condemns the embargo on Cuba, and a regime's
    # economic blackmail of its neighbours is still economic coercion condemned
    ("ZAF_76_2021.txt", "unilateral_sanctions", "South Africa further affirms its solidarity with the Cuban people and calls for the lifting of the economic embargo that has caused untold damage to the country’s economy and people.", "supports"),
    ("BTN_41_1986.txt", "unilateral_sanctions", "We deplore the economic blackmail practiced by South Africa against the front-line States, and call for financial assistance to these States which are now courageously attempting to free themselves from economic dependence on South Africa.", "supports"),
    # bloc_confrontation: rejecting bloc politics, describing the end of the Cold War
    ("CHN_70_2015.txt", "bloc_confrontation", "We should abandon the Cold War mentality in all its manifestations and foster a new vision of common, comprehensive, cooperative and sustainable security.", "supports"),
    ("SGP_46_1991.txt", "bloc_confrontation", "With the end of the cold war and the end of the confrontation between competing ideological blocs, it would be timely for the international community to strengthen its system for peace and security.", "reports"),
    # ... and the division into blocs described as over, not rejected (QA: they were counted)
    ("POL_49_1994.txt", "bloc_confrontation", "As expected, the end of the East-West confrontation and the disappearance of competing blocs has proved beneficial to international relations.", "reports"),
    ("PAK_50_1995.txt", "bloc_confrontation", "The end of the bipolar world based on hostile camps has removed the impediments to pursuing the goal of nuclear disarmament.", "reports"),
    ("SYC_47_1992.txt", "bloc_confrontation", "Then, bloc confrontation being over, it was time for dialogue, since ideological antagonism had been overcome.", "reports"),
    ("PHL_50_1995.txt", "bloc_confrontation", "No longer do nuclear-armed ideological camps face each other in deadly confrontation,", "reports"),
    ("IND_52_1997.txt", "bloc_confrontation", "This remains true, and the Non-Aligned Movement retains its validity and relevance, even after the disappearance of bloc rivalries.", "reports"),
    # ... or as gone in a finite verb, and an alliance defended against the charge of being an
    # aggressive bloc (an audit of the whole UNGDC found these counted as rejecting blocs)
    ("TKM_51_1996.txt", "bloc_confrontation", "Confrontation between blocs has become a thing of the past.", "reports"),
    ("COL_48_1993.txt", "bloc_confrontation", "While bloc confrontation has disappeared, we are seeing the resurgence of harsh ancient nationalisms and fanaticisms that threaten peace and stability, and the presence of extreme poverty and social injustice in the majority of the world’s countries.", "reports"),
    ("VNM_45_1990.txt", "bloc_confrontation", "There is a unanimous view in this forum that cold-war confrontation is drawing to an end giving way to a new situation of conflict and co-operation between countries coexisting peacefully.", "reports"),
    ("GBR_06_1951.txt", "bloc_confrontation", "This assertion is based on the charge that the North Atlantic Treaty Organization is an aggressive bloc, which it certainly is not, and never has been.", "reports"),
    ("FRA_09_1954.txt", "bloc_confrontation", "The French Government is particularly attached to this alliance because it is in no manner an aggressive alliance and its sole purpose is the defence of a concept of life and of an ideal for which my country has made the most grievous sacrifices during two world wars.", "reports"),
    ("AUS_07_1952.txt", "bloc_confrontation", "He even went so far as to suggest that the ANZUS arrangements recently contracted between the United States, Australia and New Zealand, fitted into this pattern of aggressive alliance.", "reports"),
    # security_council_reform: a defender of the veto naming its critics as others
    ("CSK_04_1949.txt", "security_council_reform", "Therefore the fact that it had not been and was not being applied, that attempts were being made to by-pass it, or even to abolish it from the Charter, as advocated by the crusaders against the veto, indicated that an effort was being made to attain aims other than those declared publicly.", "reports"),
    # militarization: rejecting it, reporting what others call it
    ("SYR_39_1984.txt", "militarization", "We stand against the militarization of outer space.", "supports"),
    ("USA_39_1984.txt", "militarization", "We have been prepared to discuss a wide range of issues of concern to both sides, such as the relationship between defensive and offensive forces and what has been called the militarization of space.", "reports"),
    # un_main_channel: claiming centrality (an emphatic "if not the sole"), reporting others
    ("CPV_41_1986.txt", "un_main_channel", "The need for the United Nations as the preferred, if not the sole, forum for finding solutions to our collective problems is becoming particularly acute in the present situation, where developing countries, including Cape Verde, are being confronted by gloomy prospects, particularly in the socio-economic field.", "supports"),
    # (a "vital role" no longer claims centrality since codebook 6b953b40f223, so New Zealand's
    # "Some argue that while the United Nations has a vital role ..." matches nothing now)
    ("PAK_13_1958.txt", "un_main_channel", "It would certainly be a gross exaggeration to claim that in this respect our Organization has been a centre for harmonizing the actions of nations\".", "reports"),
    # reported speech in words beyond "some claim": the speaker told what others hold, others' grounds
    # (sanctions against South Africa: the cue naming the regime as their target decides first, see above)
    ("SLE_41_1986.txt", "unilateral_sanctions", "We have been told, for example, that the imposition of comprehensive sanctions against South Africa is immoral assuch sanctions impose hardships on the lives of ordinary people, in particular black people, and that in any case sanctions could not bring about the desired political changes in southern Africa as they have historically been proven to be ineffective in these circumstances.", "opposes"),
    ("CUB_05_1950.txt", "security_council_reform", "We were told that the veto was essential in order to maintain unity among the great Powers since, by using the veto, each of these Powers could prevent action from being taken against its will, thereby eliminating any cause of friction or discord.", "reports"),
    ("LBR_19_1964.txt", "unilateral_sanctions", "Opposition to its implementation developed in some Member countries on the grounds that sanctions would be illegal, that they would be impracticable or that they would hurt those whom they were intended to benefit.", "reports"),
    # ... and where a reported-speech cue does not reach the match: a claim the speaker backs, a
    # denied claim, a name given to other words, a participle closed by its comma, the speaker's
    # own clause after "but" or "and we"
    ("BEN_34_1979.txt", "unilateral_sanctions", "The Benin revolution supports the socialist Republic of Cuba in its legitimate claim that the base in Guantanamo Bay, which is occupied by the United States against Cuba's will, should be restored to it and that an end should be put to the unconstitutional economic blockade that has been unjustly imposed upon Cuba.", "supports"),
    ("SYR_40_1985.txt", "militarization", "No one can claim that the lesson of Hiroshima and Nagasaki has been well learned so long as the nuclear-arms race is escalating and the deployment of bases in various parts of the globe is continuing. Likewise, no one can be optimistic and reassured about the future of mankind so long as the leadership of world imperialism rejoices in its nuclear potential and insists on militarizing outer space.", "supports"),
    ("CSK_40_1985.txt", "militarization", "If the project of the so-called strategic defense initiative is a detonator for an even more dangerous stage of the arms race, then what is called its scientific-research phase must be viewed in the same way. what is involved are the first components of a project for space weapons designed to allow for a first nuclear strike that would go unpunished.", "supports"),
    ("ALB_31_1976.txt", "bloc_confrontation", "Each of the two super-Powers, claiming that there is a need to defend itself against the other and to maintain balance, has redoubled its efforts to create new bases to strengthen its aggressive bloc, and at the same time they have endeavored to enlist other States.", "supports"),
    ("CUB_48_1993.txt", "militarization", "It is said that the arms race between the superPowers has ended but, increasingly, there is a rush to develop new weapons systems and even to introduce them to outer space.", "supports"),
    ("IND_33_1978.txt", "bloc_confrontation", "We have been told that the talks will be resumed shortly and we trust that this will lead to the speedy elimination of big-Power rivalry and military presence in the Indian Ocean, thereby facilitating the implementation of the General Assembly resolution declaring the Indian Ocean a zone of peace.", "supports"),
    # security_council_reform: a call, and a double negation that is still a call
    ("ZAF_74_2019.txt", "security_council_reform", "We believe that the time has come for the broader membership to heed the overwhelming call for Africa to obtain at least two permanent seats, with all the prerogatives of permanent membership, as well as five non-permanent seats, as embodied in the Common African Position, adopted in the Ezulwini Consensus.", "supports"),
    ("ZMB_60_2005.txt", "security_council_reform", "The position I have outlined does not in any way mean that Africa is against the expansion of the Security Council to include other important countries that contribute to international peace and security.", "supports"),
    # ... and a defender of the veto: its abolition called the ruin of unanimity (the Soviet Union, 1946)
    ("RUS_01_1946.txt", "security_council_reform", "It is quite obvious that the repudiation of the principle of unanimity of the great Powers, and this is what is actually behind the proposal for the abolition of the veto, would mean, in fact, the liquidation of the United Nations, because this principle is the cornerstone of that Organization.", "opposes"),
    # ai_governance: a call for rules
    ("ESP_78_2023.txt", "ai_governance", "We need to lay the groundwork for the regulation of artificial intelligence, the vast challenges and possibilities of which do not outweigh its hidden risks.", "supports"),
]  # fmt: skip


def _matches(sentence: str, theme: str):
    return [m for m in MATCHER.match(sentence, segment(sentence)) if m.theme == theme]


@pytest.mark.parametrize(("file", "theme", "sentence", "direction"), SENTENCES,
                         ids=[f"{f}-{t}-{d}" for f, t, _, d in SENTENCES])  # fmt: skip
def test_direction_of_real_sentences(file, theme, sentence, direction):
    found = _matches(sentence, theme)
    assert found, f"{file}: no {theme} match in the sentence"
    assert {m.direction for m in found} == {direction}, [(m.matched_text, m.reason) for m in found]
    # a directional theme counts only what supports it; the others stay as evidence
    assert all(m.counted == (direction == "supports") for m in found)
    if direction != "supports":
        assert all(m.reason.startswith(direction) for m in found)


# Constructions the UNGDC has no sentence of, written by the QA pass of the direction cues (not
# quotes, so kept out of SENTENCES and its check against the zip): (sentence, theme, direction)
CONSTRUCTED = [
    # (a review's) a progressive is the speaker's act, unlike a passive ("should be lifted")
    ("We will be imposing unilateral coercive measures on them.", "unilateral_sanctions", "reports"),
    # (a review's) the speaker's own sanctions after "to" still report: "to" before a cue is a call
    # only before an act ("urge them to take steps to lift")
    ("Thanks to our sanctions, which are unilateral sanctions, the regime fell.", "unilateral_sanctions", "reports"),
    ("We remain committed to our sanctions, unilateral sanctions that work.", "unilateral_sanctions", "reports"),
    # guards written with the blocs cues: a call to end the division into blocs still rejects it
    # ("an end to", not "the end of")
    ("We call for an end to bloc confrontation and the division of the world into hostile camps.", "bloc_confrontation", "supports"),
    ("The world must no longer be divided into hostile camps.", "bloc_confrontation", "supports"),
    # an opposing cue that a negator denies is the speaker's own position: before and in its gap
    ("No country has the right to develop offensive cyber military capabilities.", "militarization", "supports"),
    ("We have never supported and will never support the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("It is not too early to regulate artificial intelligence.", "ai_governance", "supports"),
    ("We do not oppose the reform of the Security Council.", "security_council_reform", "supports"),
    # ... but a negator in another clause inside the cue's gap denies nothing (a review's)
    ("We, who have never wavered, support the sanctions, unilateral sanctions included.", "unilateral_sanctions", "opposes"),
    # ... while a parenthesis opened after the negator leaves the denial standing (a review of
    # the first version of that rule, which read all of these as support for the embargo)
    ("We do not, and never will, support the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("We have never, under any circumstances, supported the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("We do not — and cannot — support the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("I cannot, in all conscience, support the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("We did not (and do not) support the sanctions, which are illegal.", "unilateral_sanctions", "supports"),
    # a review's: South Africa as a speaker, a venue or a voice is no target of sanctions, nor is
    # a third country the speaker's own "we oppose" names, nor a regime imposing them
    ("The South African Government calls for an end to the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("At the recent BRICS summit in South Africa, we called for the removal of unilateral sanctions.", "unilateral_sanctions", "supports"),
    ("As President Mandela said, the world must end the embargo against Cuba.", "unilateral_sanctions", "supports"),
    ("The Pretoria summit of SADC called for the lifting of the illegal sanctions imposed on Zimbabwe.", "unilateral_sanctions", "supports"),
    ("We condemn the economic embargo imposed on Lesotho by Pretoria.", "unilateral_sanctions", "supports"),
    ("Like other developing countries, we oppose unilateral sanctions.", "unilateral_sanctions", "supports"),
    ("All countries must oppose unilateral sanctions.", "unilateral_sanctions", "supports"),
    ("We join the countries that oppose the unjust embargo against Cuba.", "unilateral_sanctions", "supports"),
    # the speaker's verb acts on the words it governs, not on a blockade later in the sentence
    ("We have had to tighten our belts because of the economic blockade imposed on our people.", "unilateral_sanctions", "supports"),
    # a call on others to take the steps that would be a report in a finite verb
    ("We urge the United States to take steps to lift the embargo against Cuba.", "unilateral_sanctions", "supports"),
    # ... and the cues' own negations still oppose; "not only" denies nothing
    ("There is no need to expand the Security Council.", "security_council_reform", "opposes"),
    ("It is premature to regulate artificial intelligence.", "ai_governance", "opposes"),
    ("We not only support the sanctions against the illegal regime but will enforce them.", "unilateral_sanctions", "opposes"),
    # a review's (2026-12-06): the speaker against Council reform or for the militarization of
    # space (no such sentence in the UNGDC yet), and sanctions defended as a tool
    ("We are against the reform of the Security Council.", "security_council_reform", "opposes"),
    ("We support the militarization of outer space.", "militarization", "opposes"),
    ("Unilateral sanctions are a legitimate tool of foreign policy.", "unilateral_sanctions", "opposes"),
    # ... while a call to lift them is still the speaker's condemnation, and so are the near misses
    # a review wrote to those cues (a contrast, "long before", the Council's tool beside unilateral
    # measures)
    ("We call for the lifting of the embargo against Cuba, which is not the solution to anything.", "unilateral_sanctions", "supports"),
    ("What is needed is not easing the sanctions but lifting the unilateral sanctions against Iraq altogether.", "unilateral_sanctions", "supports"),
    ("The objective was not the lifting of sanctions alone, but the end of the unjust blockade.", "unilateral_sanctions", "supports"),
    ("Long before the lifting of sanctions against Libya, we condemned the unilateral coercive measures.", "unilateral_sanctions", "supports"),
    ("While sanctions are a legitimate tool of the Security Council, unilateral coercive measures are contrary to international law.", "unilateral_sanctions", "supports"),
]  # fmt: skip


@pytest.mark.parametrize(("sentence", "theme", "direction"), CONSTRUCTED)
def test_direction_of_constructed_sentences(sentence, theme, direction):
    found = _matches(sentence, theme)
    assert found, f"no {theme} match in the sentence"
    assert {m.direction for m in found} == {direction}, [(m.matched_text, m.reason) for m in found]
    assert all(m.counted == (direction == "supports") for m in found)


def test_an_arms_embargo_of_the_council_is_no_unilateral_sanction(corpus):
    """The Council's embargo on weapons is left out like its "arms embargo" (Belgium 2020 on the
    embargo on Iran's conventional weapons had counted as condemning sanctions)."""
    sentence = ("The issue of the upcoming lifting of the conventional weapons embargo must not "
                "jeopardize the nuclear agreement and its achievements.")
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        name = next(n for n in z.namelist() if n.endswith("/BEL_75_2020.txt"))
        assert sentence in " ".join(z.read(name).decode("utf-8-sig").split())
    assert not _matches(sentence, "unilateral_sanctions")


def test_the_great_powers_bearing_primary_responsibility_claim_no_un_centrality(corpus):
    """The Council's primary responsibility claims the UN's centrality; the great Powers as its
    bearers do not (Byelorussia 1953, Lebanon 1953: counted until codebook 736faf7ccfec), while
    the Council bearing it still counts."""
    powers = ("It is obvious that unless there is unity among the five great Powers which are "
              "called on to bear the primary responsibility for the maintenance of international "
              "peace and security, normal international relations cannot be restored, and that "
              "their lack of unity cannot fail to bring about a further aggravation of relations "
              "among all countries of the world.")
    strong = ("Certainly the strong and powerful have every right to assume primary responsibility "
              "for the maintenance of international peace and security.")
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        for file, sentence in (("BLR_08_1953.txt", powers), ("LBN_08_1953.txt", strong)):
            name = next(n for n in z.namelist() if n.endswith("/" + file))
            assert sentence in " ".join(z.read(name).decode("utf-8-sig").split()), file
            assert not _matches(sentence, "un_main_channel"), file
    council = ("The Security Council bears the primary responsibility for the maintenance of "
               "international peace and security.")
    assert [m.counted for m in _matches(council, "un_main_channel")] == [True]


def test_every_directional_theme_is_tested():
    book = load_codebook()
    directional = {t.id for t in book.themes if t.stance.directional}
    assert directional == {t for _, t, _, _ in SENTENCES}
    assert {d for *_, d in SENTENCES} == {"supports", "opposes", "reports"}


def test_a_question_is_no_act_of_the_speaker():
    """A rhetorical question with "we" and an imposing verb condemns the blockade it names."""
    sentence = (
        "Why do we not impose sanctions against a Government that for more than 50 years has "
        "maintained an illegal and criminal economic blockade against the worthy Cuban people?"
    )  # VEN_68_2013.txt
    found = _matches(sentence, "unilateral_sanctions")
    assert found and any(m.counted for m in found)


def test_non_directional_theme_counts_reported_speech():
    """Raising a concern in others' words still raises it: cyber threats are not directional."""
    sentence = "Some argue that cyber attacks on hospitals are the new normal."
    found = _matches(sentence, "cyber_threats")
    assert found and found[0].direction == "reports" and found[0].counted


def test_store_counts_only_counted_matches(db_path):
    """A statement whose only sanctions match is its own sanctions has no such theme row."""
    from tracker.ingest import ingest_paths
    from tracker.store import Store

    folder = db_path.parent / "in"
    folder.mkdir()
    quote = {(f, t): q for f, t, q, _ in SENTENCES}
    own_sanctions = quote["USA_72_2017.txt", "unilateral_sanctions"]
    no_cold_war = quote["CHN_70_2015.txt", "bloc_confrontation"]
    (folder / "usa.txt").write_text(own_sanctions + "\n\n" + no_cold_war + "\n")
    ingest_paths([folder], db=db_path, overrides={"country": "USA", "date": "2017"}, workers=1)
    with Store(db_path, readonly=True) as store:
        rows = store.conn.execute(
            "SELECT theme, direction, counted FROM matches ORDER BY theme"
        ).fetchall()
        themes = {r[0] for r in store.conn.execute("SELECT theme FROM statement_themes")}
    assert ("unilateral_sanctions", "reports", 0) in rows
    assert "unilateral_sanctions" not in themes
    assert "bloc_confrontation" in themes


def test_sentences_are_real(corpus):
    """Every quote is in the speech it is attributed to."""
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        names = {n.rsplit("/", 1)[-1]: n for n in z.namelist()}
        for file, _, sentence, _ in SENTENCES:
            text = " ".join(z.read(names[file]).decode("utf-8-sig").split())
            assert sentence in text, file



# The United States' speeches of 2015-2024 that do condemn an embargo or economic coercion,
# read by hand: Obama on the Cuba embargo, Biden on coercion of weaker countries and of supply chains.
US_CONDEMNATIONS = {
    "USA_70_2015.txt": "an embargo that should not be in place any more",
    "USA_76_2021.txt": "oppose attempts by stronger countries to dominate weaker ones",
    "USA_77_2022.txt": "protect everyone from coercion or domination",
}


def test_united_states_own_sanctions_never_count(corpus):
    """Issue 10's check on the whole speeches: in the United States' General Debate speeches of
    2015-2024, no statement is counted under `unilateral_sanctions` for imposing or defending its
    own sanctions (the Compare chart once put the US above China); the only counted statements
    are those that condemn an embargo or coercion, and there the counted match is that sentence."""
    imposing = 0
    with zipfile.ZipFile(corpus / "ungdc" / "UNGDC_1946-2024.zip") as z:
        for name in z.namelist():
            base = name.rsplit("/", 1)[-1]
            if not base.startswith("USA_") or not 2015 <= int(base[-8:-4]) <= 2024:
                continue
            text = z.read(name).decode("utf-8-sig")
            matches = [m for m in MATCHER.match(text, segment(text))
                       if m.theme == "unilateral_sanctions"]
            imposing += sum(not m.counted for m in matches)
            for m in (m for m in matches if m.counted):
                assert base in US_CONDEMNATIONS, f"{base}: counted: {m.matched_text!r}"
                sentence = text[text.rfind(".", 0, m.start) + 1 : text.find(".", m.end)]
                assert US_CONDEMNATIONS[base] in " ".join(sentence.split()), base
    assert imposing >= 4, "the imposing and defending matches (2017-2020) were not found at all"


def test_a_theme_with_only_reported_matches_is_exported_as_not_counted(tmp_path):
    """`tracker export coding --all` says how many matches were kept without counting: also for a
    theme none of whose matches counts (the case the column is for; it used to say 0 there). The
    default export lists only themes present; validation does not take such a theme as found."""
    from click.testing import CliRunner

    from tracker.cli import cli
    from tracker.coding import coded_by_file

    sample = Path(__file__).resolve().parents[1] / "tracker/data/sample/ungdc/UNGDC_sample.zip"
    with zipfile.ZipFile(sample) as z:  # the United States in 2020: "imposed crippling sanctions"
        name = next(n for n in z.namelist() if n.endswith("/USA_75_2020.txt"))
        (tmp_path / "USA_75_2020.txt").write_bytes(z.read(name))
    db = tmp_path / "t.db"
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(tmp_path / "USA_75_2020.txt"), "--db", str(db),
                               "--quiet"]).exit_code == 0  # fmt: skip
    for flags, name in ((["--all"], "all.csv"), ([], "present.csv")):
        result = runner.invoke(cli, ["export", "coding", "--db", str(db), "-o",
                                     str(tmp_path / name), *flags])  # fmt: skip
        assert result.exit_code == 0, result.output
    every = pd.read_csv(tmp_path / "all.csv").set_index("theme")
    assert every.loc["unilateral_sanctions", "matches"] == 0
    assert every.loc["unilateral_sanctions", "not_counted"] >= 1
    assert every["not_counted"].sum() == every.loc["unilateral_sanctions", "not_counted"]
    present = pd.read_csv(tmp_path / "present.csv")
    assert "unilateral_sanctions" not in set(present["theme"])
    assert (present["matches"] > 0).all()
    coded = coded_by_file(db, themes=list(every.index))
    assert "unilateral_sanctions" not in coded["USA_75_2020.txt"]

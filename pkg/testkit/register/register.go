// Package register makes registers of persons for tests and benchmarks:
// deterministic rows with names as the registers of organisations in Serbia,
// Bosnia and Herzegovina and Croatia hold them (local and migrants' names,
// common names much more common than rare ones, homonyms, estimated birth
// dates), and a share of rows that repeat an earlier person with another
// spelling: Cyrillic, another transcription, a typo, names swapped.
//
// The names are for testing only; they were put together for this package.
package register

import (
	"fmt"
	"strings"
)

// Person is one row of a register.
type Person struct {
	Given, Family string
	Sex           string // female, male
	// Birth date (day, month, year); Estimated dates are 1 January.
	Day, Month, Year int
	Estimated        bool
	Nationality      string // ISO 3166-1 alpha-2
	LegalStatus      string // enum short form (refugee, asylum_seeker, ...)
	Municipality     string
	// Repeats is the index of the earlier row this one spells differently
	// (-1 when it is a person of its own).
	Repeats int
}

// BirthDate is the date as a sheet writes it (2.3.1990.).
func (p Person) BirthDate() string { return fmt.Sprintf("%d.%d.%d.", p.Day, p.Month, p.Year) }

// ISODate is the date as the API takes it.
func (p Person) ISODate() string { return fmt.Sprintf("%04d-%02d-%02d", p.Year, p.Month, p.Day) }

type culture struct {
	nationalities []string
	female, male  []string
	family        []string
	// Share of persons (per thousand).
	weight int
}

var cultures = []culture{
	{nationalities: []string{"RS", "RS", "RS", "BA", "ME"}, weight: 250,
		female: strings.Fields("Ana Jelena Milica Marija Ivana Jovana Dragana Snežana Tamara Nevena Katarina Ljiljana Gordana Vesna Sanja Biljana Mirjana Danijela Maja Tijana Aleksandra Teodora Sara Zorica Slavica Dušanka Radmila Ružica Marina Nataša"),
		male:   strings.Fields("Marko Nikola Stefan Luka Milan Dragan Zoran Nenad Goran Dejan Miloš Aleksandar Nemanja Vladimir Jovan Đorđe Bojan Ivan Srđan Dušan Predrag Miroslav Petar Vuk Lazar Branko Darko Slobodan Živorad Radoš"),
		family: strings.Fields("Jovanović Petrović Nikolić Marković Đorđević Stojanović Ilić Stanković Pavlović Milošević Popović Todorović Đukić Kostić Mitrović Živković Ristić Lazić Simić Radovanović Tomić Marinković Savić Kovačević Milovanović Stefanović Janković Nešić Vasić Dimitrijević Obradović Filipović Radosavljević Bogdanović Vuković Lukić Mladenović Aleksić Milenković Perić Zdravković Spasić Cvetković Gajić Rakić Ćirić Knežević Mihajlović Krstić Šaponjić")},
	{nationalities: []string{"BA"}, weight: 90,
		female: strings.Fields("Emina Amra Lejla Selma Azra Merima Edina Ajla Amela Alma Sabina Mirsada Fikreta Senada Dženana"),
		male:   strings.Fields("Emir Haris Adnan Amar Kenan Mirza Edin Tarik Senad Nermin Almir Jasmin Elvir Muhamed Dževad"),
		family: strings.Fields("Hodžić Hadžić Mehmedović Kovač Delić Begić Hasanović Husić Muratović Omerović Salihović Softić Alić Mujić Ibrahimović Čolić Smajić Šehić Suljić Karić Avdić Bešić Halilović Imamović Kadrić")},
	{nationalities: []string{"HR"}, weight: 60,
		female: strings.Fields("Ivona Petra Lucija Ivana Ana Marina Kristina Martina Josipa Mateja Nikolina Antonija"),
		male:   strings.Fields("Josip Ante Tomislav Mario Željko Ivan Luka Marko Krunoslav Dario Hrvoje Zvonimir"),
		family: strings.Fields("Horvat Kovačić Babić Marić Jurić Novak Knežević Vuković Matić Tomić Perić Božić Blažević Grgić Pavić Radić Šarić Lovrić Vidović Bošnjak Barišić Filipović")},
	{nationalities: []string{"SY", "SY", "IQ", "PS", "LB"}, weight: 200,
		female: strings.Fields("Fatima Aisha Maryam Zainab Amira Leila Noor Hiba Rania Samira Yasmin Huda Salma Rasha Dina Layla Nadia Farah Lina Reem"),
		male:   strings.Fields("Mohammad Ahmad Ali Omar Hassan Hussein Yusuf Ibrahim Khalid Mustafa Abdullah Karim Tariq Samir Bilal Hamza Walid Rami Fadi Jamal Mahmoud Anas"),
		family: strings.Fields("Al-Hassan Al-Khatib Haddad Khalil Nasser Saleh Mansour Hamdan Ibrahim Yousef Darwish Aziz Othman Saad Abbas Jaber Hammoud Issa Kassem Rahman Suleiman Al-Ahmad Al-Ali Al-Masri Shami Halabi Zaidan Qasim Bakr Habib")},
	{nationalities: []string{"AF"}, weight: 200,
		female: strings.Fields("Malalai Shabnam Gulalai Mariam Fereshta Parwana Nilofar Zarghona Sima Freshta Laila Nargis"),
		male:   strings.Fields("Hamidullah Rahmatullah Zabihullah Wahid Ajmal Mohammad Ahmad Naveed Sayed Abdul Farhad Jawad Mujtaba Shafiq Rohullah Samiullah Ehsan Murtaza"),
		family: strings.Fields("Ahmadzai Popalzai Barakzai Karimi Rahimi Hashimi Sultani Noori Amiri Habibi Stanikzai Safi Mohammadi Hussaini Rasuli Azizi Wardak Ghani Sadat Niazi Hakimi Jalali Sharifi Mangal")},
	{nationalities: []string{"IR"}, weight: 50,
		female: strings.Fields("Shirin Parisa Mahnaz Roya Soraya Nasrin Fariba Zahra Maryam Elham"),
		male:   strings.Fields("Reza Mehdi Amir Hamid Farid Javad Saeed Navid Hossein Behnam"),
		family: strings.Fields("Hosseini Rezaei Ahmadi Moradi Jafari Ghasemi Mousavi Sadeghi Heidari Kazemi Hashemi Najafi Rostami")},
	{nationalities: []string{"PK", "BD"}, weight: 80,
		female: strings.Fields("Sadia Ayesha Hina Rukhsana Nazia Shazia Bushra Saima"),
		male:   strings.Fields("Imran Asif Shahid Irfan Usman Waqas Bilal Kamran Tahir Zeeshan Arif Rashid"),
		family: strings.Fields("Khan Ahmed Hussain Malik Shah Butt Chaudhry Qureshi Sheikh Iqbal Raza Javed Anwar Siddiqui Akhtar Rahman Islam Hossain")},
	{nationalities: []string{"SO", "ER", "ET"}, weight: 40,
		female: strings.Fields("Hawa Amina Faduma Halima Sahra Hodan Saba Selam Tsega"),
		male:   strings.Fields("Abdirahman Abdikarim Abdi Mohamed Yonas Dawit Samuel Filmon Tesfay"),
		family: strings.Fields("Warsame Farah Hersi Jama Osman Tesfaye Haile Gebremedhin Tekle Berhane Yohannes Kidane Abdullahi")},
	{nationalities: []string{"TR", "IQ", "SY"}, weight: 30,
		female: strings.Fields("Rojin Berfin Dilan Zozan Nesrin Gulistan"),
		male:   strings.Fields("Rojhat Baran Serhat Azad Kawa Shivan"),
		family: strings.Fields("Yilmaz Demir Kaya Çelik Aydın Barzani Rashid Mahmoud Hamo Sheikhmous")},
}

var (
	totalWeight    int
	statuses       = []string{"refugee", "asylum_seeker", "asylum_seeker", "migrant", "migrant", "international_protection", "returnee", "host_community"}
	municipalities = []string{"Beograd", "Beograd", "Subotica", "Šid", "Preševo", "Obrenovac", "Krnjača", "Bogovađa", "Tutin", "Sjenica",
		"Sarajevo", "Bihać", "Velika Kladuša", "Tuzla", "Zagreb", "Zagreb", "Kutina", "Novi Sad", "Niš", "Kikinda"}
)

func init() {
	for _, c := range cultures {
		totalWeight += c.weight
	}
}

// rng is a small deterministic generator (splitmix64).
type rng struct{ s uint64 }

func (r *rng) next() uint64 {
	r.s += 0x9E3779B97F4A7C15
	z := r.s
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// skewed picks an index in [0, n) with lower indexes much more likely, as
// common names are.
func (r *rng) skewed(n int) int {
	u := float64(r.next()%1_000_000) / 1_000_000
	return min(int(u*u*float64(n)), n-1)
}

// RepeatShare is the share of rows (per thousand) that repeat an earlier
// person.
const RepeatShare = 20

// Row returns row i (from 0) of the register seeded with seed.
func Row(seed uint64, i int) Person {
	r := &rng{s: seed*0x100000001B3 + uint64(i)*0x9E3779B97F4A7C15}
	if i > 0 && r.intn(1000) < RepeatShare {
		j := r.intn(i)
		p := person(seed, j)
		p.Repeats = j
		respell(r, &p)
		return p
	}
	p := person(seed, i)
	p.Repeats = -1
	return p
}

func person(seed uint64, i int) Person {
	r := &rng{s: seed ^ uint64(i+1)*0xD1B54A32D192ED03}
	w := r.intn(totalWeight)
	c := cultures[0]
	for _, x := range cultures {
		if w < x.weight {
			c = x
			break
		}
		w -= x.weight
	}
	p := Person{Nationality: c.nationalities[r.intn(len(c.nationalities))]}
	names := c.female
	p.Sex = "female"
	if r.intn(2) == 0 {
		names, p.Sex = c.male, "male"
	}
	p.Given = names[r.skewed(len(names))]
	if c.weight >= 200 && c.nationalities[0] != "RS" && r.intn(4) == 0 {
		// A second given name (often the father's).
		p.Given += " " + c.male[r.skewed(len(c.male))]
	}
	p.Family = c.family[r.skewed(len(c.family))]
	// Ages: many children and young adults.
	age := []int{2, 6, 10, 15, 17, 19, 22, 25, 28, 32, 38, 45, 55, 68}[r.intn(14)] + r.intn(4)
	p.Year = 2024 - age
	if r.intn(10) < 3 {
		p.Day, p.Month, p.Estimated = 1, 1, true
	} else {
		p.Day, p.Month = 1+r.intn(28), 1+r.intn(12)
	}
	p.LegalStatus = statuses[r.intn(len(statuses))]
	if c.nationalities[0] == "RS" || c.nationalities[0] == "HR" || c.nationalities[0] == "BA" {
		p.LegalStatus = []string{"returnee", "host_community", "idp"}[r.intn(3)]
	}
	p.Municipality = municipalities[r.intn(len(municipalities))]
	return p
}

// respell writes p's names another way.
func respell(r *rng, p *Person) {
	switch r.intn(5) {
	case 0:
		if cyr, ok := toCyrillic(p.Given + "|" + p.Family); ok {
			p.Given, p.Family, _ = strings.Cut(cyr, "|")
			return
		}
		fallthrough
	case 1:
		p.Given = transcribe(p.Given)
		p.Family = transcribe(p.Family)
	case 2:
		p.Family = typo(r, p.Family)
	case 3:
		p.Given = typo(r, p.Given)
		if !p.Estimated {
			p.Day = 1 + (p.Day+r.intn(2))%28 // a day off, or the same
		}
	default:
		p.Given, p.Family = p.Family, p.Given
	}
}

var transcriptions = strings.NewReplacer("Mohammad", "Muhammad", "Mohamed", "Mohammed", "Hussein", "Husein", "Hussain", "Husain",
	"Yusuf", "Jusuf", "Yousef", "Jusef", "ou", "u", "ć", "c", "č", "c", "š", "s", "ž", "z", "đ", "dj", "Đ", "Dj", "j", "y", "sh", "š", "kh", "h")

func transcribe(s string) string {
	if t := transcriptions.Replace(s); t != s {
		return t
	}
	return s + "a"
}

func typo(r *rng, s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s + "h"
	}
	k := 1 + r.intn(len(rs)-2)
	if r.intn(2) == 0 {
		return string(rs[:k]) + string(rs[k+1:]) // a letter left out
	}
	return string(rs[:k]) + string(rs[k]) + string(rs[k:]) // a letter doubled
}

var latinToCyrillic = []struct{ lat, cyr string }{
	{"Lj", "Љ"}, {"Nj", "Њ"}, {"Dž", "Џ"}, {"lj", "љ"}, {"nj", "њ"}, {"dž", "џ"},
	{"A", "А"}, {"B", "Б"}, {"V", "В"}, {"G", "Г"}, {"D", "Д"}, {"Đ", "Ђ"}, {"E", "Е"}, {"Ž", "Ж"}, {"Z", "З"}, {"I", "И"},
	{"J", "Ј"}, {"K", "К"}, {"L", "Л"}, {"M", "М"}, {"N", "Н"}, {"O", "О"}, {"P", "П"}, {"R", "Р"}, {"S", "С"}, {"T", "Т"},
	{"Ć", "Ћ"}, {"U", "У"}, {"F", "Ф"}, {"H", "Х"}, {"C", "Ц"}, {"Č", "Ч"}, {"Š", "Ш"},
	{"a", "а"}, {"b", "б"}, {"v", "в"}, {"g", "г"}, {"d", "д"}, {"đ", "ђ"}, {"e", "е"}, {"ž", "ж"}, {"z", "з"}, {"i", "и"},
	{"j", "ј"}, {"k", "к"}, {"l", "л"}, {"m", "м"}, {"n", "н"}, {"o", "о"}, {"p", "п"}, {"r", "р"}, {"s", "с"}, {"t", "т"},
	{"ć", "ћ"}, {"u", "у"}, {"f", "ф"}, {"h", "х"}, {"c", "ц"}, {"č", "ч"}, {"š", "ш"},
}

// toCyrillic writes a Serbian Latin name in Cyrillic; false for names with
// letters Serbian does not have (foreign names stay in Latin).
func toCyrillic(s string) (string, bool) {
	var b strings.Builder
outer:
	for len(s) > 0 {
		if s[0] == '|' || s[0] == ' ' || s[0] == '-' {
			b.WriteByte(s[0])
			s = s[1:]
			continue
		}
		for _, m := range latinToCyrillic {
			if strings.HasPrefix(s, m.lat) {
				b.WriteString(m.cyr)
				s = s[len(m.lat):]
				continue outer
			}
		}
		return "", false
	}
	return b.String(), true
}

// CSV returns rows [from, from+n) of the register as a beneficiaries
// import file with the API's column names.
func CSV(seed uint64, from, n int) []byte {
	var b strings.Builder
	b.WriteString("given_name,family_name,sex,birth_date,birth_date_estimated,legal_status,municipality,nationality\n")
	for i := from; i < from+n; i++ {
		p := Row(seed, i)
		est := "ne"
		if p.Estimated {
			est = "da"
		}
		fmt.Fprintf(&b, "%s,%s,%s,%s,%s,%s,%s,%s\n", p.Given, p.Family, p.Sex, p.BirthDate(), est, p.LegalStatus, p.Municipality, p.Nationality)
	}
	return []byte(b.String())
}

// NotesCSV returns a register file (seed 2) of about mib MiB, at most
// 50,000 rows (the default IMPORT_MAX_ROWS), with a long notes column: the
// largest file an import accepts by default at mib 20. It returns the rows
// it holds.
func NotesCSV(mib float64) ([]byte, int) {
	size := int(mib * (1 << 20))
	var b strings.Builder
	b.WriteString("given_name,family_name,sex,birth_date,legal_status,municipality,nationality,notes\n")
	note := strings.Repeat("Razgovor o smeštaju, dokumentima i školi za decu; sledeći sastanak za dve nedelje. ", 5)
	for n := 0; ; n++ {
		p := Row(2, n)
		line := fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s,%s\n", p.Given, p.Family, p.Sex, p.BirthDate(), p.LegalStatus, p.Municipality, p.Nationality, note)
		if b.Len()+len(line) > size || n == 50_000 {
			return []byte(b.String()), n
		}
		b.WriteString(line)
	}
}

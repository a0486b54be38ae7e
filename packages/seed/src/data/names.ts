// Common French family and given names, typed from general knowledge of French naming (frequency
// tables of INSEE birth registers as a rough guide), not copied from any file. The mix is meant to
// exercise what real directory data throws at the code: accents, apostrophes, particles, compound
// names and hyphens, all of which must survive into display names and be folded into addresses.

export const LAST_NAMES: readonly string[] = [
  'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau', 'Laurent',
  'Simon', 'Michel', 'Lefèvre', 'Leroy', 'Roux', 'David', 'Bertrand', 'Morel', 'Fournier', 'Girard',
  'Bonnet', 'Dupont', 'Lambert', 'Fontaine', 'Rousseau', 'Vincent', 'Muller', 'Lefebvre', 'Faure', 'André',
  'Mercier', 'Blanc', 'Guérin', 'Boyer', 'Garnier', 'Chevalier', 'François', 'Legrand', 'Gauthier', 'Garcia',
  'Perrin', 'Robin', 'Clément', 'Morin', 'Nicolas', 'Henry', 'Roussel', 'Mathieu', 'Gautier', 'Masson',
  'Marchand', 'Duval', 'Denis', 'Dumont', 'Marie', 'Lemaire', 'Noël', 'Meyer', 'Dufour', 'Meunier',
  'Brun', 'Blanchard', 'Giraud', 'Joly', 'Rivière', 'Lucas', 'Brunet', 'Gaillard', 'Barbier', 'Arnaud',
  'Martinez', 'Gérard', 'Roche', 'Renard', 'Schmitt', 'Roy', 'Leroux', 'Colin', 'Vidal', 'Caron',
  'Picard', 'Roger', 'Fabre', 'Aubert', 'Lemoine', 'Renaud', 'Dumas', 'Lacroix', 'Olivier', 'Philippe',
  'Bourgeois', 'Pierre', 'Benoît', 'Rey', 'Leclerc', 'Payet', 'Rolland', 'Leclercq', 'Guillaume', 'Lecomte',
  'Lopez', 'Jean', 'Dupuy', 'Guillot', 'Hubert', 'Berger', 'Carpentier', 'Sanchez', 'Dupuis', 'Moulin',
  'Louis', 'Deschamps', 'Huet', 'Vasseur', 'Perez', 'Boucher', 'Fleury', 'Royer', 'Klein', 'Jacquet',
  'Adam', 'Paris', 'Poirier', 'Marty', 'Aubry', 'Guyot', 'Carré', 'Charles', 'Renault', 'Charpentier',
  'Ménard', 'Maillard', 'Baron', 'Bertin', 'Bailly', 'Hervé', 'Schneider', 'Fernandez', 'Le Gall', 'Collet',
  'Léger', 'Bouvier', 'Julien', 'Prévost', 'Millet', 'Perrot', 'Daniel', 'Le Roux', 'Cousin', 'Germain',
  'Breton', 'Besson', 'Langlois', 'Rémy', 'Le Goff', 'Pelletier', 'Lévêque', 'Perrier', 'Leblanc', 'Barré',
  'Lebrun', 'Marchal', 'Weber', 'Mallet', 'Hamon', 'Boulanger', 'Jacob', 'Monnier', 'Michaud', 'Rodriguez',
  'Guichard', 'Gillet', 'Étienne', 'Grondin', 'Poulain', 'Tessier', 'Chevallier', 'Collin', 'Chauvin', 'Da Silva',
  'Bouchet', 'Gay', 'Lemaître', 'Bénard', 'Maréchal', 'Humbert', 'Reynaud', 'Antoine', 'Hoarau', 'Perret',
  'Barthélemy', 'Cordier', 'Pichon', 'Lejeune', 'Gilbert', 'Lamy', 'Delaunay', 'Pasquier', 'Carlier', 'Laporte',
  'Le Bihan', 'Le Corre', 'Kerjean', 'Tanguy', 'Quéméner', "D'Almeida", "N'Diaye", 'Diallo', 'Traoré', 'Nguyen',
  'Benali', 'Haddad', 'Mansouri', 'Ferreira', 'Dos Santos', 'Pereira', 'Rodrigues', 'Fontanel', 'Castagné', 'Sabatier',
  'De La Fontaine', 'Saint-Martin', 'Sainte-Croix', 'Le Meur', 'Le Floch', 'Paoli', 'Santoni', 'Casanova', 'Orsini', 'Luciani',
  'Cazenave', 'Etcheverry', 'Lagarde', 'Barrère', 'Pujol', 'Ricard', 'Bonnefoy', 'Chabert', 'Delmas', 'Vigneron',
  'Thibault', 'Brunel', 'Ollivier', 'Jourdan', 'Peltier', 'Courtois', 'Hébert', 'Rocher', 'Marion', 'Lebon',
  'Dupré', 'Boutin', 'Gros', 'Drouet', 'Couturier', 'Valentin', 'Faivre', 'Grégoire', 'Bigot', 'Mouton',
  'Després', 'Jaouen', 'Ducrocq', "L'Hôte", 'Du Pont', 'Lefort', 'Morvan', 'Pottier', 'Riou', 'Lebreton',
];

export const FEMALE_FIRST_NAMES: readonly string[] = [
  'Marie', 'Nathalie', 'Isabelle', 'Sylvie', 'Catherine', 'Françoise', 'Valérie', 'Christine', 'Sandrine', 'Stéphanie',
  'Véronique', 'Céline', 'Anne', 'Sophie', 'Martine', 'Julie', 'Aurélie', 'Émilie', 'Camille', 'Laura',
  'Sarah', 'Manon', 'Léa', 'Chloé', 'Emma', 'Inès', 'Jade', 'Louise', 'Alice', 'Lina',
  'Claire', 'Hélène', 'Élodie', 'Virginie', 'Caroline', 'Laurence', 'Patricia', 'Brigitte', 'Monique', 'Nicole',
  'Corinne', 'Karine', 'Delphine', 'Agnès', 'Florence', 'Pascale', 'Dominique', 'Béatrice', 'Mélanie', 'Audrey',
  'Pauline', 'Marion', 'Charlotte', 'Mathilde', 'Justine', 'Océane', 'Clémence', 'Margaux', 'Anaïs', 'Lucie',
  'Noémie', 'Juliette', 'Zoé', 'Élise', 'Gaëlle', 'Maëlle', 'Morgane', 'Solène', 'Nolwenn', 'Soizic',
  'Marie-Claire', 'Marie-Christine', 'Anne-Sophie', 'Marie-Laure', 'Anne-Marie', 'Marie-Hélène', 'Marie-Pierre', 'Marie-Noëlle', 'Anne-Laure', 'Marie-Ange',
  'Fatima', 'Yasmine', 'Nadia', 'Samira', 'Leïla', 'Amina', 'Aïcha', 'Mariam', 'Lucía', 'Ana',
  'Josiane', 'Ghislaine', 'Annick', 'Joëlle', 'Maryse', 'Chantal', 'Danielle', 'Colette', 'Odile', 'Geneviève',
  'Bérénice', 'Capucine', 'Apolline', 'Héloïse', 'Victoire', 'Ambre', 'Rose', 'Agathe', 'Romane', 'Eugénie',
  'Émeline', 'Cécile', 'Estelle', 'Fanny', 'Gwenaëlle', 'Laetitia', 'Ophélie', 'Rachel', 'Sabrina', 'Vanessa',
];

export const MALE_FIRST_NAMES: readonly string[] = [
  'Jean', 'Pierre', 'Michel', 'Philippe', 'Alain', 'Nicolas', 'Christophe', 'Patrick', 'Daniel', 'Laurent',
  'Frédéric', 'Éric', 'Stéphane', 'David', 'Julien', 'Olivier', 'Sébastien', 'Thierry', 'Pascal', 'Bernard',
  'Thomas', 'Alexandre', 'Antoine', 'Maxime', 'Vincent', 'Guillaume', 'Romain', 'Mathieu', 'François', 'Jérôme',
  'Lucas', 'Hugo', 'Louis', 'Gabriel', 'Arthur', 'Léo', 'Raphaël', 'Jules', 'Adam', 'Noé',
  'Paul', 'Marc', 'Benoît', 'Cédric', 'Fabrice', 'Franck', 'Gilles', 'Hervé', 'Jacques', 'Joël',
  'Lionel', 'Ludovic', 'Mickaël', 'Régis', 'Serge', 'Yves', 'Yannick', 'Gaël', 'Loïc', 'Ronan',
  'Jean-Pierre', 'Jean-Luc', 'Jean-Marc', 'Jean-François', 'Jean-Claude', 'Jean-Michel', 'Jean-Baptiste', 'Pierre-Yves', 'Marc-Antoine', 'Jean-Philippe',
  'Mohamed', 'Karim', 'Mehdi', 'Rachid', 'Youssef', 'Samir', 'Bilal', 'Ibrahim', 'Mamadou', 'Moussa',
  'Théo', 'Nathan', 'Enzo', 'Clément', 'Baptiste', 'Quentin', 'Florian', 'Adrien', 'Valentin', 'Victor',
  'Aurélien', 'Damien', 'Jérémy', 'Kévin', 'Anthony', 'Fabien', 'Grégory', 'Arnaud', 'Bruno', 'Didier',
  'Gérard', 'René', 'Roger', 'André', 'Henri', 'Raymond', 'Claude', 'Dominique', 'Emmanuel', 'Xavier',
  'Tristan', 'Erwan', 'Killian', 'Mattéo', 'Timothée', 'Côme', 'Gaspard', 'Augustin', 'Achille', 'Noah',
];
